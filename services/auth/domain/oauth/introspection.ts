import { authenticationClaims } from '../mfa/authentication.js';
import { isLiveAccessToken } from '../tokens/live-access-token.js';
import type { OwnAccessTokens } from '../tokens/token-signing.js';
import type { AccessTokenDenylist, RefreshTokenStore } from '../tokens/token-store.js';
import type { UserStore } from '../users/user-store.js';
import { hashRefreshToken, isRefreshTokenShaped } from '../tokens/refresh-token.js';
import { isLocked } from '../users/account-lock.js';

/** RFC 7009 §2.1 / RFC 7662 §2.1 hint values. */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/** RFC 7662 §2.2 response. Inactive tokens reveal nothing but that. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      sub: string;
      scope: string;
      client_id: string;
      /** Epoch seconds. */
      exp: number;
      iat: number;
      iss: string;
      aud?: string | string[];
      jti?: string;
      /** `Bearer` for access tokens, `refresh_token` for refresh tokens. */
      token_type: 'Bearer' | 'refresh_token';
      username?: string;
      /** The login session of a user access token. */
      sid?: string;
      /** How the user signed in (user tokens): epoch seconds, RFC 8176 methods, the strength. */
      auth_time?: number;
      amr?: string[];
      acr?: string;
    };

export interface IntrospectionDeps {
  accessTokens: OwnAccessTokens;
  denylist: AccessTokenDenylist;
  refreshTokens: RefreshTokenStore;
  users: UserStore;
  issuer: string;
  now: () => number;
}

const INACTIVE = { active: false } as const;

/**
 * RFC 7662 for any authenticated confidential client (resource servers introspect tokens issued to
 * others). Access tokens: ours, unexpired and not denylisted. Refresh tokens: active in the store
 * (unknown, spent, expired or revoked family are inactive), and a locked user's are inactive too
 * since their next refresh is refused. The hint only picks which kind is tried first (§2.1); a
 * wrong hint still finds the token.
 */
export function createIntrospection({ accessTokens, denylist, refreshTokens, users, issuer, now }: IntrospectionDeps) {
  async function asAccessToken(token: string): Promise<IntrospectionResponse | null> {
    const own = await accessTokens.read(token);
    if (own === null) return null;
    if (!(await isLiveAccessToken(own, denylist, Math.floor(now() / 1000)))) return INACTIVE;
    const { sub, scope = '', client_id, exp, iat, iss, aud, jti, username, sid } = own.claims;
    const { authTime, amr, acr } = own;
    const signIn = authTime !== undefined ? { auth_time: authTime, amr: [...amr], ...(acr ? { acr } : {}) } : {};
    return { active: true, sub, scope, client_id, exp, iat, iss, aud, jti, token_type: 'Bearer', ...(username ? { username } : {}), ...(sid ? { sid } : {}), ...signIn };
  }

  async function asRefreshToken(token: string): Promise<IntrospectionResponse | null> {
    if (!isRefreshTokenShaped(token)) return null;
    const record = await refreshTokens.findActiveRefreshToken(hashRefreshToken(token), now());
    if (!record) return null;
    const user = record.subject === record.clientId ? null : await users.findById(record.subject);
    if (user && isLocked(user)) return INACTIVE;
    return {
      active: true,
      sub: record.subject,
      scope: record.scope,
      client_id: record.clientId,
      exp: Math.floor(record.expiresAt / 1000),
      iat: Math.floor(record.issuedAt / 1000),
      iss: issuer,
      token_type: 'refresh_token',
      ...(user ? { username: user.username } : {}),
      ...(record.authentication ? authenticationClaims(record.authentication) : {}),
    };
  }

  return async function introspect(token: string, hint?: TokenTypeHint): Promise<IntrospectionResponse> {
    const order = hint === 'refresh_token' ? [asRefreshToken, asAccessToken] : [asAccessToken, asRefreshToken];
    for (const attempt of order) {
      const answer = await attempt(token);
      if (answer) return answer;
    }
    return INACTIVE;
  };
}
