import { randomUUID } from 'node:crypto';
import { authErrors } from '../../domain/errors.js';
import type { EmailState, NewUser, UserRecord, UserStore } from '../../domain/users/user-store.js';
import type { UserPageQuery } from '../../domain/users/user-page.js';
import { UserOrderIndex } from '../indexes/user-order-index.js';

/**
 * Users in process memory, for tests and throwaway runs. The username map is the unique index:
 * the check and the insert happen in one synchronous step, so concurrent creates cannot both win.
 * Records are copied in and out so callers can never mutate what is stored.
 */
export class MemoryUserStore implements UserStore {
  private readonly byId = new Map<string, UserRecord>();
  private readonly idByUsername = new Map<string, string>();
  private readonly order = new UserOrderIndex();

  async create(user: NewUser): Promise<UserRecord> {
    if (this.idByUsername.has(user.username)) throw authErrors.usernameTaken();
    const record: UserRecord = {
      id: randomUUID(),
      username: user.username,
      ...(user.email === undefined ? {} : { email: user.email }),
      passwordHash: user.passwordHash,
      roles: [...user.roles],
      createdAt: new Date(),
      lockedAt: null,
      emailVerified: false,
    };
    this.idByUsername.set(record.username, record.id);
    this.byId.set(record.id, record);
    this.order.added(record);
    return copy(record);
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const id = this.idByUsername.get(username);
    return id === undefined ? null : this.findById(id);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const record = this.byId.get(id);
    return record ? copy(record) : null;
  }

  async setLocked(id: string, locked: boolean): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record) return false;
    if (!locked) record.lockedAt = null;
    else if (record.lockedAt === null) record.lockedAt = new Date();
    return true;
  }

  async setRoles(id: string, roles: string[]): Promise<UserRecord | null> {
    const record = this.byId.get(id);
    if (!record) return null;
    record.roles = [...roles];
    return this.findById(id);
  }

  async findByEmail(email: string): Promise<UserRecord[]> {
    return [...this.byId.values()].filter((record) => record.email === email).map(copy);
  }

  async setEmailState(id: string, state: EmailState): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record) return false;
    delete record.email;
    delete record.pendingEmail;
    Object.assign(record, withoutUndefined(state));
    this.order.syncEmail(id, record.email);
    return true;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record) return false;
    record.passwordHash = passwordHash;
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record) return false;
    this.byId.delete(id);
    this.idByUsername.delete(record.username);
    this.order.removed(record);
    return true;
  }

  async findWithRole(role: string, limit: number): Promise<UserRecord[]> {
    const found: UserRecord[] = [];
    for (const record of this.byId.values()) {
      if (found.length >= limit) break;
      if (record.roles.includes(role)) found.push(copy(record));
    }
    return found;
  }

  async listPage(query: UserPageQuery): Promise<UserRecord[]> {
    const ids = this.order.page(query).map((hit) => ('id' in hit ? hit.id : this.idByUsername.get(hit.username)));
    return ids.flatMap((id) => {
      const record = id === undefined ? undefined : this.byId.get(id);
      return record ? [copy(record)] : [];
    });
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

function copy(record: UserRecord): UserRecord {
  return {
    ...record,
    roles: [...record.roles],
    createdAt: new Date(record.createdAt),
    lockedAt: record.lockedAt === null ? null : new Date(record.lockedAt),
  };
}

function withoutUndefined(state: EmailState): EmailState {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as unknown as EmailState;
}
