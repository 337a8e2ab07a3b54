import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from '../../../../lib/verifier/index.js';
import type { TokenSigner } from '../ports/token-signing.js';

export interface AccessTokenSubject {
  sub: string;
  clientId: string;
  scope: string;
  roles?: string[];
  username?: string;
  /** The login session (refresh family) a user token belongs to. */
  sid?: string;
}

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims & { scope: string };
  expiresIn: number;
}

export interface AccessTokenIssuerOptions {
  signer: TokenSigner;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: () => number;
}

export type AccessTokenIssuer = (subject: AccessTokenSubject) => IssuedAccessToken;

/** Options are fixed once; each call only builds claims (RFC 9068 §2.2) and signs with the current key. */
export function createAccessTokenIssuer({ signer, issuer, audience, ttlSeconds, now }: AccessTokenIssuerOptions): AccessTokenIssuer {
  return ({ sub, clientId, scope, roles, username, sid }) => {
    const iat = Math.floor(now() / 1000);
    const claims = {
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
      ...(sid ? { sid } : {}),
    };
    return { token: signer.sign(claims, ACCESS_TOKEN_TYPE), claims, expiresIn: ttlSeconds };
  };
}
