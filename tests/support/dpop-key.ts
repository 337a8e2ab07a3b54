import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token. */
export const athOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface ProofOptions {
  htm: string;
  htu: string;
  /** The access token sent with the proof (resource requests): sets `ath`. */
  accessToken?: string;
  iat?: number;
  jti?: string;
  /** Protected header overrides (alg none, HS256, a private jwk...) are built by the tests themselves. */
  jwk?: JWK;
}

export interface DpopTestKey {
  alg: string;
  jwk: JWK;
  /** RFC 7638 thumbprint: what `cnf.jkt` must say. */
  jkt: string;
  privateKey: CryptoKey;
  proof(options: ProofOptions): Promise<string>;
}

/** A client's DPoP key pair that signs proofs as a client library would. */
export async function dpopKey(alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA' = 'ES256'): Promise<DpopTestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    alg,
    jwk,
    jkt: await calculateJwkThumbprint(jwk),
    privateKey,
    proof({ htm, htu, accessToken, iat = Math.floor(Date.now() / 1000), jti = randomUUID(), jwk: headerJwk = jwk }) {
      return new SignJWT({ htm, htu, iat, jti, ...(accessToken === undefined ? {} : { ath: athOf(accessToken) }) })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: headerJwk })
        .sign(privateKey);
    },
  };
}
