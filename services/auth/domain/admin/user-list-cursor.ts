import { authErrors } from '../errors.js';
import type { UserPageQuery } from '../users/user-page.js';

/** Where the next page starts: the search it belongs to and the last key of the page before. */
export type UserListPosition =
  | { by: 'username'; query: string; after: string }
  | { by: 'email'; query: string; after: { email: string; id: string } };

const MAX_CURSOR_LENGTH = 1_024;
const VERSION = 1;

/**
 * The `next_cursor` of `GET /admin/users`: opaque to callers (base64url JSON, versioned), carrying
 * the search it continues, so a cursor replayed with another `query` is refused (400 naming
 * `cursor`) instead of paging through the wrong list. It names no more than the page already
 * showed (a username, or an address and an id), so it needs no signature: a forged one can only
 * start a page elsewhere in the caller's own search.
 */
export function encodeUserCursor(position: UserListPosition): string {
  return Buffer.from(JSON.stringify({ v: VERSION, ...position }), 'utf8').toString('base64url');
}

/** The position a cursor names, checked against the search it is used with; 400 `cursor` otherwise. */
export function decodeUserCursor(cursor: string, search: Pick<UserPageQuery, 'by' | 'prefix'>): UserListPosition {
  const invalid = (problem = 'is not a cursor this list gave out') => authErrors.invalidField('cursor', problem);
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[\w-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const position = asPosition(parsed);
  if (!position) throw invalid();
  if (position.by !== search.by || position.query !== search.prefix) throw invalid('belongs to another query; start again without a cursor');
  return position;
}

function asPosition(value: unknown): UserListPosition | null {
  if (typeof value !== 'object' || value === null) return null;
  const { v, by, query, after } = value as Record<string, unknown>;
  if (v !== VERSION || typeof query !== 'string') return null;
  if (by === 'username' && typeof after === 'string') return { by, query, after };
  if (by === 'email' && typeof after === 'object' && after !== null) {
    const { email, id } = after as Record<string, unknown>;
    if (typeof email === 'string' && typeof id === 'string') return { by, query, after: { email, id } };
  }
  return null;
}
