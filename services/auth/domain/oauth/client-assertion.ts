import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { ClientRecord, PublicJwk } from '../ports/client-store.js';
import type { ReplayCache } from '../ports/token-store.js';
import { oauthErrors } from './oauth-errors.js';

/** Asymmetric algorithms only: never `none`, never HS* (a shared secret is not a registered key). */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;
type AssertionAlgorithm = (typeof CLIENT_ASSERTION_ALGORITHMS)[number];

/** An assertion may live at most this long ahead of now (RFC 7523 §3: "a short lifetime"). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Skew allowed between the client's clock and ours. */
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_JTI_LENGTH = 256;

export interface ClientAssertionVerifierOptions {
  /** Our issuer; RFC 7523 §3 lets `aud` be the authorization server's issuer identifier... */
  issuer: string;
  /** ...or its token endpoint URL. */
  tokenEndpoint: string;
  replay: ReplayCache;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Verifies a `private_key_jwt` assertion for `client`; throws 401 invalid_client on any failure. */
export type ClientAssertionVerifier = (assertion: string, client: ClientRecord) => Promise<void>;

const fail = (code: string) => oauthErrors.invalidClient(code, false);

/**
 * The client an assertion claims to come from (its `sub`, which must equal `iss`), read without
 * verifying anything: only to know whose keys to verify it with. Null when it cannot be read.
 */
export function assertionClientId(assertion: string): string | null {
  const payload = jwt.decode(assertion, { json: true });
  const sub = payload?.sub;
  return typeof sub === 'string' && sub !== '' && payload?.iss === sub ? sub : null;
}

/**
 * RFC 7523 §3 client authentication: signed with one of the client's registered keys (RS256,
 * PS256 or ES256; the header's `jku`, `x5u` and `jwk` are never followed), `iss` = `sub` =
 * client_id, `aud` = our token endpoint or issuer, `exp` present and at most five minutes ahead,
 * and `jti` never seen before: it is claimed in the replay cache until the assertion expires, so
 * a replica that sees it again refuses it.
 */
export function createClientAssertionVerifier({ issuer, tokenEndpoint, replay, now }: ClientAssertionVerifierOptions): ClientAssertionVerifier {
  return async (assertion, client) => {
    if (!client.jwks || !client.tokenEndpointAuthMethods.includes('private_key_jwt')) throw fail('CLIENT_ASSERTION_NOT_ALLOWED');
    const decoded = jwt.decode(assertion, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw fail('CLIENT_ASSERTION_MALFORMED');
    const { alg, kid, crit } = decoded.header as jwt.JwtHeader & { crit?: unknown };
    if (!isAllowedAlgorithm(alg)) throw fail('CLIENT_ASSERTION_ALGORITHM');
    if (crit !== undefined) throw fail('CLIENT_ASSERTION_CRIT');

    const candidates = client.jwks.keys.filter((jwk) => (kid === undefined || jwk.kid === kid) && fits(jwk, alg));
    if (candidates.length === 0) throw fail('CLIENT_ASSERTION_UNKNOWN_KEY');

    const nowSeconds = Math.floor(now() / 1000);
    let payload: jwt.JwtPayload | undefined;
    let lastError: unknown;
    for (const jwk of candidates) {
      const key = toKeyObject(jwk);
      if (!key) continue;
      try {
        payload = jwt.verify(assertion, key, {
          algorithms: [alg],
          issuer: client.clientId,
          subject: client.clientId,
          audience: [tokenEndpoint, issuer],
          clockTimestamp: nowSeconds,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }) as jwt.JwtPayload;
        break;
      } catch (err) {
        lastError = err;
        // Only a bad signature may mean "wrong key of several"; any other failure is final.
        if (!(err instanceof Error && err.message === 'invalid signature')) break;
      }
    }
    if (!payload) throw fail(assertionFailureCode(lastError));

    const { exp, iat, jti } = payload;
    if (typeof exp !== 'number') throw fail('CLIENT_ASSERTION_NO_EXP');
    if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) throw fail('CLIENT_ASSERTION_LIFETIME');
    if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + CLOCK_TOLERANCE_SECONDS)) throw fail('CLIENT_ASSERTION_IAT');
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw fail('CLIENT_ASSERTION_NO_JTI');
    // Claimed only after the signature checked out, so nobody can burn another client's jti values.
    const first = await replay.claimOnce(`client-assertion:${client.clientId}:${jti}`, exp + CLOCK_TOLERANCE_SECONDS);
    if (!first) throw fail('CLIENT_ASSERTION_REPLAYED');
  };
}

function isAllowedAlgorithm(alg: unknown): alg is AssertionAlgorithm {
  return typeof alg === 'string' && (CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(alg);
}

/** Whether `jwk` can verify `alg`: right key type and curve, and no other alg or use declared. */
function fits(jwk: PublicJwk, alg: AssertionAlgorithm): boolean {
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

function assertionFailureCode(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) return 'CLIENT_ASSERTION_EXPIRED';
  if (err instanceof jwt.NotBeforeError) return 'CLIENT_ASSERTION_NOT_YET_VALID';
  const message = err instanceof Error ? err.message : '';
  if (message === 'invalid signature') return 'CLIENT_ASSERTION_SIGNATURE';
  if (message.startsWith('jwt audience invalid')) return 'CLIENT_ASSERTION_AUDIENCE';
  if (message.startsWith('jwt issuer invalid') || message.startsWith('jwt subject invalid')) return 'CLIENT_ASSERTION_SUBJECT';
  return 'CLIENT_ASSERTION_INVALID';
}
