import jwt from 'jsonwebtoken';
import type { Logger } from '../logger.js';
import { noRevocations, type RevocationList } from '../revocation/revocation-list.js';
import { tokenError } from './errors.js';
import { checkJwsParts } from './jws-parts.js';
import { createKeyStore } from './key-store.js';
import { TokenCache } from './token-cache.js';
import { toVerifiedToken, type VerifiedToken } from './verified-token.js';

/** The contract allows at most 30 s of clock skew. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 30;

export interface VerifierOptions {
  /** Exact `iss` expected, e.g. `http://localhost:4000`. */
  issuer: string;
  /** `aud` that must be present, e.g. `api`. */
  audience: string;
  /** Where the issuer publishes its keys; never taken from a token. */
  jwksUri: string;
  /** Accepted skew on exp/nbf, 0-30 s. Default 30. */
  clockToleranceSeconds?: number;
  /** Only `at+jwt` (RFC 9068) is supported; the option exists to make the choice visible. */
  typ?: 'at+jwt';
  /** An unknown kid refetches the JWKS at most once per this many ms. Default 30 000. */
  cooldownMs?: number;
  /** JWKS request timeout in ms. Default 5 000. */
  timeoutMs?: number;
  /** The key set is refreshed in the background once older than this. Default 10 minutes. */
  jwksMaxAgeMs?: number;
  /** Asked on every verification, cache hits included. Default: nothing is revoked. */
  revocations?: RevocationList;
  /** Verified tokens kept, least recently used dropped first; 0 disables the cache. Default 10 000. */
  cacheSize?: number;
  logger?: Logger;
  /** Called after each JWKS download attempt, e.g. to count fetches in metrics. */
  onJwksFetch?: (result: 'ok' | 'error') => void;
  /** Milliseconds since the epoch; tests move time with it. */
  now?: () => number;
}

export interface Verifier {
  /** Resolves with the token's identity or rejects with an AppError whose code is in TOKEN_ERRORS. */
  verify(token: string): Promise<VerifiedToken>;
  /** Fetches the JWKS now (rate-limited by the cooldown); for start-up and /readyz. */
  loadKeys(): Promise<void>;
  /** Whether the JWKS was fetched at least once. */
  keysLoaded(): boolean;
  close(): void;
}

/**
 * Builds a verifier once; each call then costs one cache lookup, and on a miss one signature
 * check with a pre-imported key (fast-jwt's `createVerifier` shape).
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: 'http://localhost:4000',
 *   audience: 'api',
 *   jwksUri: 'http://localhost:4000/.well-known/jwks.json',
 *   revocations: createRedisRevocationList({ url: process.env.REDIS_URL! }), // optional
 * });
 * const identity = await verifier.verify(token); // { sub, clientId, scopes, roles, claims, ... }
 * // or reject with AppError { code: 'TOKEN_EXPIRED' | 'KEY_NOT_FOUND' | ... }
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const clockToleranceSeconds = options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS;
  if (!(clockToleranceSeconds >= 0 && clockToleranceSeconds <= MAX_CLOCK_TOLERANCE_SECONDS)) {
    throw new RangeError(`clockToleranceSeconds must be between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  if ((options.typ ?? 'at+jwt') !== 'at+jwt') throw new RangeError('only typ at+jwt is supported');
  const now = options.now ?? Date.now;
  const revocations = options.revocations ?? noRevocations;
  const cache = new TokenCache<VerifiedToken>(options.cacheSize ?? 10_000);
  const keys = createKeyStore({
    jwksUri: options.jwksUri,
    cooldownMs: options.cooldownMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxAgeMs: options.jwksMaxAgeMs ?? 10 * 60_000,
    now,
    logger: options.logger,
    // A key the issuer withdrew may have been compromised: stop trusting what it signed at once.
    onKeysRemoved: () => cache.clear(),
    ...(options.onJwksFetch ? { onFetch: options.onJwksFetch } : {}),
  });
  const baseJwtOptions = {
    algorithms: ['RS256'] as jwt.Algorithm[],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: clockToleranceSeconds,
  };

  function notRevoked(verified: VerifiedToken): VerifiedToken {
    if (revocations.isRevoked(verified.jti)) throw tokenError('TOKEN_REVOKED');
    return verified;
  }

  async function verifyUncached(token: string, nowMs: number): Promise<VerifiedToken> {
    const { kid } = checkJwsParts(token);
    const key = await keys.getKey(kid);
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, { ...baseJwtOptions, clockTimestamp: Math.floor(nowMs / 1000) });
    } catch (err) {
      throw fromJsonWebTokenError(err);
    }
    return toVerifiedToken(payload, token);
  }

  return {
    async verify(token) {
      const nowMs = now();
      const cached = cache.get(token, nowMs);
      if (cached !== undefined) return notRevoked(cached);
      const verified = notRevoked(await verifyUncached(token, nowMs));
      cache.set(token, verified, verified.expiresAt * 1000, now());
      return verified;
    },
    loadKeys: () => keys.load(),
    keysLoaded: () => keys.loaded(),
    close: () => {
      cache.clear();
      keys.close();
    },
  };
}

function fromJsonWebTokenError(err: unknown) {
  if (err instanceof jwt.TokenExpiredError) return tokenError('TOKEN_EXPIRED', { cause: err });
  if (err instanceof jwt.NotBeforeError) return tokenError('TOKEN_NOT_YET_VALID', { cause: err });
  const message = err instanceof Error ? err.message : '';
  if (message === 'invalid signature' || message === 'jwt signature is required') return tokenError('TOKEN_SIGNATURE_INVALID', { cause: err });
  if (message.startsWith('jwt audience invalid')) return tokenError('TOKEN_AUDIENCE_INVALID', { cause: err });
  if (message.startsWith('jwt issuer invalid')) return tokenError('TOKEN_ISSUER_INVALID', { cause: err });
  if (message === 'invalid algorithm' || message.startsWith('secretOrPublicKey must be')) return tokenError('TOKEN_ALGORITHM_INVALID', { cause: err });
  if (message === 'invalid exp value' || message === 'invalid nbf value') return tokenError('TOKEN_CLAIMS_INVALID', { cause: err });
  return tokenError('TOKEN_MALFORMED', { cause: err });
}
