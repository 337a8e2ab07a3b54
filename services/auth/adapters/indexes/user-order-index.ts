import { emailOrderKey, type UserPageQuery } from '../../domain/users/user-page.js';
import { SortedKeys } from './sorted-keys.js';

/** What the index needs of a user: the keys of both orders. */
export interface IndexedUser {
  id: string;
  username: string;
  email?: string;
}

/** A key found by a page query: the username (username order) or the id (e-mail order). */
export type PageHit = { username: string } | { id: string };

/**
 * The username and (address, id) orders of a store's users, for `UserStore.listPage` in stores
 * that keep them in process (memory, embedded). The store reports every change after it is
 * written; `syncEmail` takes the address as it now is, so reporting twice or late is harmless.
 */
export class UserOrderIndex {
  private readonly usernames: SortedKeys;
  private readonly emails: SortedKeys;
  /** The e-mail key each id is indexed under now, to find it again when the address changes. */
  private readonly emailKeyById = new Map<string, string>();

  constructor(users: Iterable<IndexedUser> = []) {
    const all = [...users];
    this.usernames = SortedKeys.of(all.map((user) => user.username));
    for (const user of all) if (user.email !== undefined) this.emailKeyById.set(user.id, emailOrderKey(user.email, user.id));
    this.emails = SortedKeys.of(this.emailKeyById.values());
  }

  added(user: IndexedUser): void {
    this.usernames.add(user.username);
    this.syncEmail(user.id, user.email);
  }

  /** `keepUsername`: the name already belongs to a newer account (a store with awaits between steps). */
  removed(user: Pick<IndexedUser, 'id' | 'username'>, { keepUsername = false } = {}): void {
    if (!keepUsername) this.usernames.remove(user.username);
    this.syncEmail(user.id, undefined);
  }

  syncEmail(id: string, email: string | undefined): void {
    const before = this.emailKeyById.get(id);
    const after = email === undefined ? undefined : emailOrderKey(email, id);
    if (before === after) return;
    if (before !== undefined) this.emails.remove(before);
    if (after === undefined) this.emailKeyById.delete(id);
    else {
      this.emails.add(after);
      this.emailKeyById.set(id, after);
    }
  }

  page(query: UserPageQuery): PageHit[] {
    if (query.by === 'username') return this.usernames.range(query.prefix, query.after, query.limit).map((username) => ({ username }));
    const after = query.after ? emailOrderKey(query.after.email, query.after.id) : undefined;
    return this.emails.range(query.prefix, after, query.limit).map((key) => ({ id: key.slice(key.lastIndexOf('\u0000') + 1) }));
  }
}
