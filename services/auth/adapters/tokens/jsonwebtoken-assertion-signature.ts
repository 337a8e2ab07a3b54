import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { PublicJwk } from '../../domain/clients/client-store.js';
import type { AssertionSignatureVerifier } from '../../domain/tokens/token-signing.js';

/** Whether `jwk` can verify `alg`: right key type and curve, and no other alg or use declared. */
function fits(jwk: PublicJwk, alg: string): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  return alg === 'ES256' ? jwk.kty === 'EC' && jwk.crv === 'P-256' : jwk.kty === 'RSA';
}

function toKeyObject(jwk: PublicJwk): KeyObject | null {
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return null;
  }
}

/**
 * Client-assertion signatures with jsonwebtoken. Only the signature is checked here (time,
 * audience and subject are the domain's rules), so a failure from jsonwebtoken can only mean a
 * bad signature for that key: trying the next candidate key is then right, and no error message
 * is ever parsed.
 */
export const jsonwebtokenAssertionSignature: AssertionSignatureVerifier = {
  verify(assertion, jwks, algorithms) {
    const decoded = jwt.decode(assertion, { complete: true });
    if (!decoded || typeof decoded.payload !== 'object' || decoded.payload === null || Array.isArray(decoded.payload)) return { failure: 'MALFORMED' };
    const { alg, kid } = decoded.header;
    if (typeof alg !== 'string' || !algorithms.includes(alg)) return { failure: 'ALGORITHM' };
    if ('crit' in decoded.header) return { failure: 'CRIT' };
    const candidates = jwks.keys.filter((jwk) => (kid === undefined || jwk.kid === kid) && fits(jwk, alg));
    if (candidates.length === 0) return { failure: 'UNKNOWN_KEY' };
    for (const jwk of candidates) {
      const key = toKeyObject(jwk);
      if (!key) continue;
      try {
        const payload = jwt.verify(assertion, key, { algorithms: [alg as jwt.Algorithm], ignoreExpiration: true, ignoreNotBefore: true });
        return { payload: payload as Record<string, unknown> };
      } catch {
        // Wrong key of several, or a bad signature: try the next candidate.
      }
    }
    return { failure: 'SIGNATURE' };
  },
  decodeUnverified(assertion) {
    const payload = jwt.decode(assertion, { json: true });
    return payload ?? null;
  },
};
