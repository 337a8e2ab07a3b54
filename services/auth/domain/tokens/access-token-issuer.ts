import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SIGNING_ALGORITHM, type KeyStore } from '../ports/key-store.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from './access-token-claims.js';

export interface AccessTokenSubject {
  sub: string;
  clientId: string;
  scope: string;
  roles?: string[];
  username?: string;
}

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims;
  expiresIn: number;
}

export interface AccessTokenIssuerOptions {
  keys: KeyStore;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: () => number;
}

export type AccessTokenIssuer = (subject: AccessTokenSubject) => IssuedAccessToken;

/** Options are fixed once; each call only builds claims and signs with the current key. */
export function createAccessTokenIssuer({ keys, issuer, audience, ttlSeconds, now }: AccessTokenIssuerOptions): AccessTokenIssuer {
  return ({ sub, clientId, scope, roles, username }) => {
    const iat = Math.floor(now() / 1000);
    const claims: AccessTokenClaims = {
      iss: issuer,
      sub,
      aud: audience,
      exp: iat + ttlSeconds,
      iat,
      jti: randomUUID(),
      client_id: clientId,
      scope,
      ...(roles ? { roles } : {}),
      ...(username ? { username } : {}),
    };
    const { kid, privateKey } = keys.currentSigningKey();
    // jsonwebtoken keeps the iat given (from the injected clock) instead of reading Date.now().
    const token = jwt.sign(claims, privateKey, {
      algorithm: SIGNING_ALGORITHM,
      header: { alg: SIGNING_ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE },
    });
    return { token, claims, expiresIn: ttlSeconds };
  };
}
