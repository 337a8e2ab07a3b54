import jwt from 'jsonwebtoken';
import { authErrors } from '../errors.js';
import { SIGNING_ALGORITHM, type KeyStore } from '../ports/key-store.js';
import type { AccessTokenDenylist } from '../ports/token-store.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './access-token-claims.js';

export interface AccessTokenVerifierOptions {
  keys: KeyStore;
  denylist: AccessTokenDenylist;
  issuer: string;
  audience: string;
  now: () => number;
}

export type AccessTokenVerifier = (token: string) => Promise<AccessTokenClaims>;

/** RFC 9068 §4 allows the full media type as well as the short form. */
const ACCEPTED_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

/**
 * Verifies this issuer's own access tokens locally: RS256 only, a kid we publish, iss, aud, exp,
 * typ at+jwt, and not on the denylist. Any failure is a 401 invalid_token whose code says why.
 */
export function createAccessTokenVerifier({ keys, denylist, issuer, audience, now }: AccessTokenVerifierOptions): AccessTokenVerifier {
  return async (token) => {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw authErrors.invalidAccessToken('TOKEN_MALFORMED', 'the token is not a JWT');
    const { header } = decoded;
    if (!ACCEPTED_TYPES.has(String(header.typ).toLowerCase())) throw authErrors.invalidAccessToken('TOKEN_WRONG_TYPE', 'the token is not an access token');
    if (header.crit !== undefined) throw authErrors.invalidAccessToken('TOKEN_CRIT', 'the token has critical header parameters');
    const key = header.kid === undefined ? null : keys.verificationKey(header.kid);
    if (!key) throw authErrors.invalidAccessToken('TOKEN_UNKNOWN_KEY', 'the token was not signed by a published key');
    let claims: AccessTokenClaims;
    try {
      claims = jwt.verify(token, key, {
        algorithms: [SIGNING_ALGORITHM],
        issuer,
        audience,
        clockTimestamp: Math.floor(now() / 1000),
      }) as AccessTokenClaims;
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw authErrors.invalidAccessToken('TOKEN_EXPIRED', 'the token has expired');
      throw authErrors.invalidAccessToken('TOKEN_INVALID', 'the token is invalid');
    }
    if (typeof claims.jti !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') {
      throw authErrors.invalidAccessToken('TOKEN_INVALID', 'the token is invalid');
    }
    if (await denylist.isAccessTokenDenied(claims.jti)) throw authErrors.invalidAccessToken('TOKEN_REVOKED', 'the token has been revoked');
    return claims;
  };
}
