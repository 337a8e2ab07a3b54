import type { AdminCaller, AuthEvents } from '../auth-events.js';
import { authErrors } from '../errors.js';
import type { UserPageQuery } from '../users/user-page.js';
import type { UserStore } from '../users/user-store.js';
import { normalizeUsername } from '../users/username.js';
import { decodeUserCursor, encodeUserCursor } from './user-list-cursor.js';
import type { UserView, UserViews } from './user-view.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const MAX_QUERY_LENGTH = 254;

/** `GET /admin/users` parameters as they came (query-string values, possibly repeated). */
export interface UserListParams {
  query?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

export interface UserList {
  users: UserView[];
  /** null on the last page. */
  next_cursor: string | null;
}

/**
 * List and search for operators. `query` is a prefix: with an `@` in it, of the current e-mail
 * address (as stored; ordered by address), otherwise of the username (normalized as login does,
 * so "Al" finds "alice"; ordered by username); empty or absent lists everyone. Keyset pages over
 * the store's ordered index, so a page costs the same on page 1 and page 2,000 and users added or
 * removed meanwhile neither repeat nor hide others.
 */
export function createUserListing(users: UserStore, views: UserViews, events: AuthEvents) {
  return async function listUsers(params: UserListParams, by: AdminCaller): Promise<UserList> {
    const search = searchOf(params.query);
    const limit = limitOf(params.limit);
    const cursor = params.cursor === undefined ? undefined : singleString('cursor', params.cursor);
    const position = cursor === undefined || cursor === '' ? undefined : decodeUserCursor(cursor, search);
    const query = { ...search, limit: limit + 1, ...(position ? { after: position.after } : {}) } as UserPageQuery;
    const found = await users.listPage(query);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    let next_cursor: string | null = null;
    if (found.length > limit && last) {
      next_cursor = search.by === 'username' ? encodeUserCursor({ by: 'username', query: search.prefix, after: last.username }) : encodeUserCursor({ by: 'email', query: search.prefix, after: { email: last.email ?? '', id: last.id } });
    }
    events.usersListed({ search: search.prefix === '' ? 'all' : search.by, returned: page.length, by });
    return { users: await views.many(page), next_cursor };
  };
}

function searchOf(raw: unknown): Pick<UserPageQuery, 'by' | 'prefix'> {
  if (raw === undefined) return { by: 'username', prefix: '' };
  const query = singleString('query', raw).trim();
  if (query.length > MAX_QUERY_LENGTH) throw authErrors.invalidField('query', `must be at most ${MAX_QUERY_LENGTH} characters`);
  if (/\p{Cc}/u.test(query)) throw authErrors.invalidField('query', 'must not contain control characters');
  return query.includes('@') ? { by: 'email', prefix: query } : { by: 'username', prefix: normalizeUsername(query) };
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const text = singleString('limit', raw);
  const limit = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) throw authErrors.invalidField('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return limit;
}

/** One query-string value: a repeated parameter (`?limit=1&limit=2`) is refused, not guessed at. */
function singleString(field: string, raw: unknown): string {
  if (typeof raw !== 'string') throw authErrors.invalidField(field, 'must be given once, as text');
  return raw;
}
