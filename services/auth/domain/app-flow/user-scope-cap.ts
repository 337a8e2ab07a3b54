import type { UserRecord } from '../users/user-store.js';
import { OIDC_SCOPES } from './authorization-request.js';

/**
 * Scopes about the sign-in itself (who the user is, whether the app may stay signed in): every
 * user may grant them, so they are not capped by the user's API scopes.
 */
export const SIGN_IN_SCOPES: ReadonlySet<string> = new Set([...OIDC_SCOPES, 'offline_access']);

/**
 * The scopes a first-party token of `user` carries (today DEFAULT_USER_SCOPES for everyone, as
 * /auth/login issues): the ceiling of what an app may get on the user's behalf.
 */
export type UserScopes = (user: UserRecord) => readonly string[];

/**
 * What an app may get for this user: the asked scopes (already within the client's registered
 * ones) that the user holds, plus the sign-in scopes. An app registered with `admin:users` thus
 * never obtains it through a user who has no such scope. Empty means nothing can be granted.
 */
export function capToUser(asked: readonly string[], userScopes: readonly string[]): string[] {
  return asked.filter((scope) => SIGN_IN_SCOPES.has(scope) || userScopes.includes(scope));
}
