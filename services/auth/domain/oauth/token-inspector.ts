import jwt from 'jsonwebtoken';
import { SIGNING_ALGORITHM, type KeyStore } from '../ports/key-store.js';
import type { AccessTokenDenylist } from '../ports/token-store.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from '../tokens/access-token-claims.js';

export interface TokenInspectorDeps {
  keys: KeyStore;
  denylist: AccessTokenDenylist;
  issuer: string;
  now: () => number;
}

/** What the inspector learned about a presented access token. */
export type InspectedAccessToken =
  /** Signed by us and well-formed; `active` false when expired or revoked. */
  | { ours: true; active: boolean; claims: AccessTokenClaims }
  /** Not a JWT, not signed by a key we publish, another issuer, or malformed claims. */
  | { ours: false };

const ACCEPTED_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

/**
 * Reads one of this issuer's access tokens for introspection and revocation. Unlike the /auth
 * verifier it accepts every audience (client-credentials tokens may be for another audience) and
 * tells an expired or revoked token of ours (revocation still applies to it) from a foreign one.
 */
export function createTokenInspector({ keys, denylist, issuer, now }: TokenInspectorDeps) {
  return async function inspectAccessToken(token: string): Promise<InspectedAccessToken> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') return { ours: false };
    const { header } = decoded;
    if (!ACCEPTED_TYPES.has(String(header.typ).toLowerCase()) || header.crit !== undefined) return { ours: false };
    const key = header.kid === undefined ? null : keys.verificationKey(header.kid);
    if (!key) return { ours: false };
    let claims: AccessTokenClaims;
    try {
      // Expiry is judged below, so an expired token of ours is still recognised as ours.
      claims = jwt.verify(token, key, { algorithms: [SIGNING_ALGORITHM], issuer, ignoreExpiration: true }) as AccessTokenClaims;
    } catch {
      return { ours: false };
    }
    if (typeof claims.jti !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.client_id !== 'string') {
      return { ours: false };
    }
    const expired = claims.exp <= Math.floor(now() / 1000);
    const active = !expired && !(await denylist.isAccessTokenDenied(claims.jti));
    return { ours: true, active, claims };
  };
}

export type TokenInspector = ReturnType<typeof createTokenInspector>;
