import { authErrors } from '../errors.js';
import type { AuthEvents } from '../auth-events.js';
import type { RefreshTokenRecord, RefreshTokenStore } from './token-store.js';
import type { UserStore } from '../users/user-store.js';
import { hashRefreshToken, isRefreshTokenShaped, newRefreshToken } from './refresh-token.js';
import { grantedScope } from './scope.js';
import { isLocked } from '../users/account-lock.js';
import { openSuccessor, sealSuccessor } from './successor-seal.js';
import type { TokenPair, TokenPairIssuer } from './token-pair.js';
import { capToUser } from '../app-flow/user-scope-cap.js';
import type { UserRecord } from '../users/user-store.js';

/** Options of one refresh: /oauth/token may narrow the scope (RFC 6749 §6); /auth/refresh never does. */
export interface RefreshOptions {
  /** A subset of the originally granted scope for the new access token only; absent or empty: all of it. */
  scope?: string | undefined;
  /** The DPoP key proven with this request (RFC 9449), if any: a bound family needs exactly it. */
  jkt?: string | undefined;
}

export interface RefreshDeps {
  users: UserStore;
  refreshTokens: RefreshTokenStore;
  tokens: TokenPairIssuer;
  refreshTokenTtlSeconds: number;
  graceSeconds: number;
  now: () => number;
  events: AuthEvents;
  /** The first-party client: its families follow the user's scopes as they are now (roles given or taken). */
  firstPartyClientId: string;
  /** DEFAULT_USER_SCOPES plus the scopes of the user's roles, read at each refresh. */
  scopesOf: (user: UserRecord) => string[];
  /** An app's session was refreshed and now lives until `expiresAt` (epoch ms): back-channel logout keeps its record as long. */
  sessionRefreshed?: (sid: string, expiresAt: number) => Promise<void>;
}

/** Rotates a refresh token: the one mechanism behind /auth/refresh, /oauth/token's refresh_token grant and the browser session. */
export type RefreshRotation = (presented: string, options?: RefreshOptions) => Promise<TokenPair>;

/**
 * Refresh-token rotation. The store decides atomically whether the presented token is spent
 * now (rotated), was spent a moment ago (grace: the same successor again, unsealed with the
 * presented token), or is any other token of the family, however old (reuse: the store revokes
 * the family; every token carries its family's tag, so the store need not remember spent ones). The user is read
 * again on every refresh: a deleted or locked account ends the family there (there is no index of
 * families by user, so locking cannot reach them sooner; unlocking does not revive them). Every
 * refusal is the same 401 invalid_grant.
 */
export function createRefresh({ users, refreshTokens, tokens, refreshTokenTtlSeconds, graceSeconds, now, events, firstPartyClientId, scopesOf, sessionRefreshed }: RefreshDeps): RefreshRotation {
  return async function refresh(presented: string, { scope, jkt }: RefreshOptions = {}): Promise<TokenPair> {
    if (!isRefreshTokenShaped(presented)) throw authErrors.invalidGrant('REFRESH_TOKEN_INVALID');
    const presentedKey = hashRefreshToken(presented);
    const presentedHash = presentedKey.tokenHash;
    // Checked before rotating, so a thief without the key cannot spend the token (and end the session).
    assertSameKey(await refreshTokens.findActiveRefreshToken(presentedKey, now()), jkt);
    // Same family tag: any earlier token of the family stays recognisable as reuse.
    const successor = newRefreshToken(presented);
    const issuedAt = now();
    const result = await refreshTokens.rotateRefreshToken(
      presentedKey,
      {
        tokenHash: hashRefreshToken(successor).tokenHash,
        issuedAt,
        expiresAt: issuedAt + refreshTokenTtlSeconds * 1000,
        sealedSuccessor: sealSuccessor(presented, presentedHash, successor),
      },
      { now: issuedAt, graceMs: graceSeconds * 1000 },
    );
    switch (result.outcome) {
      case 'rotated':
        // The first-party API issues no ID token, so only an app's session can have anyone to tell.
        if (result.previous.clientId !== firstPartyClientId) await sessionRefreshed?.(result.previous.familyId, issuedAt + refreshTokenTtlSeconds * 1000);
        return pairFor(result.previous, successor, scope, jkt);
      case 'grace': {
        // A retry of a spent token is answered only to the key holder too.
        assertSameKey(result.previous, jkt);
        const same = openSuccessor(presented, presentedHash, result.sealedSuccessor);
        if (same === null) throw authErrors.invalidGrant('REFRESH_TOKEN_INVALID');
        return pairFor(result.previous, same, scope, jkt);
      }
      case 'reused':
        events.refreshReuseDetected({ userId: result.family.subject, clientId: result.family.clientId, familyId: result.family.familyId });
        throw authErrors.invalidGrant('REFRESH_TOKEN_REUSED');
      case 'invalid':
        throw authErrors.invalidGrant('REFRESH_TOKEN_INVALID');
    }
  };

  async function pairFor(record: RefreshTokenRecord, refreshToken: string, requestedScope: string | undefined, jkt: string | undefined): Promise<TokenPair> {
    const user = await users.findById(record.subject);
    if (!user || isLocked(user)) {
      // The account is gone or locked: its sessions end with it (the successor just stored dies too).
      await refreshTokens.revokeRefreshFamily(record.familyId);
      throw authErrors.invalidGrant(user ? 'REFRESH_ACCOUNT_LOCKED' : 'REFRESH_SUBJECT_GONE');
    }
    // Only the access token is narrowed: the refresh token (the stored family) keeps the original
    // grant, so a later refresh may ask for all of it again (RFC 6749 §6). A scope beyond the grant
    // is invalid_scope (the caller checks that before rotating, so such a request spends nothing).
    // The ceiling is read now: a first-party family carries the user's scopes as they are today
    // (a role given shows in the next token); an app's keeps its grant, less what the user lost.
    const held = scopesOf(user);
    const ceiling = record.clientId === firstPartyClientId ? held : capToUser(record.scope.split(' ').filter(Boolean), held);
    const scope = grantedScope(requestedScope, ceiling);
    // A bound family's access tokens carry its key; an unbound one's are bound to a key proven now, if any.
    // The family's authentication, never now: a refresh is not a sign-in (auth_time stays the login's).
    const pair = tokens.pair(user, { clientId: record.clientId, scope, jkt: record.jkt ?? jkt, authentication: record.authentication }, refreshToken, record.familyId);
    events.accessTokenIssued('refresh_token');
    return pair;
  }
}

/** RFC 9449 §5: a refresh token bound to a key is refused (invalid_grant) unless the request proved that key. */
function assertSameKey(record: RefreshTokenRecord | null, jkt: string | undefined): void {
  if (record?.jkt !== undefined && record.jkt !== jkt) throw authErrors.invalidGrant('REFRESH_TOKEN_KEY_MISMATCH');
}
