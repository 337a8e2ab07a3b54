import { tokenError } from '../../../../lib/verifier/errors.js';
import type { RefreshTokenStore } from '../tokens/token-store.js';

/**
 * How recent the sign-in behind a session must be to stand in for a password (RFC 9470's
 * `max_age`): an account made by a federated sign-in has no password to type again, so the
 * person proves it by signing in through the provider again, as a re-authentication.
 */
export const RECENT_SIGN_IN_SECONDS = 300;

export interface RecentSignInDeps {
  tokens: Pick<RefreshTokenStore, 'listSessions'>;
  /** The browser session's client: its sessions begin only at a sign-in (never from single sign-on). */
  firstPartyClientId: string;
  now: () => number;
}

/**
 * Resolves when the caller's session (`sid` of its access token, the refresh family) is a live
 * browser session of `userId` that began at a sign-in within RECENT_SIGN_IN_SECONDS. An app's
 * session does not count: its family begins at a code exchange that may ride on a login session
 * hours old. Refuses as a step-up does (RFC 9470): 401 `insufficient_user_authentication`, the
 * challenge naming the `max_age` to meet.
 */
export function createRecentSignInCheck({ tokens, firstPartyClientId, now }: RecentSignInDeps) {
  return async function requireRecentSignIn(userId: string, sid: string | undefined): Promise<void> {
    const at = now();
    const session = sid === undefined ? undefined : (await tokens.listSessions(userId, at)).find((live) => live.sid === sid);
    const recent = session !== undefined && session.clientId === firstPartyClientId && at - session.createdAt <= RECENT_SIGN_IN_SECONDS * 1000;
    if (!recent) throw tokenError('USER_AUTHENTICATION_TOO_OLD', { maxAge: RECENT_SIGN_IN_SECONDS });
  };
}
