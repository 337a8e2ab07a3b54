import { createHash, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkAccessTokenClaims, MAX_CLOCK_TOLERANCE_SECONDS, type ClaimsPolicy, type VerifiedToken } from './claims.js';
import { tokenError, type TokenErrorCode } from './errors.js';
import { createJwksCache, type VerificationKeys } from './jwks-cache.js';
import { ACCESS_TOKEN_ALGORITHM, checkAccessTokenHeader, JWS_COMPACT, unverifiedIssuedAt } from './jws-header.js';
import { isTokenRevoked, type RevocationCheck } from './revocation-check.js';
import { TokenCache } from './token-cache.js';
import { verifierTracing } from './tracing.js';

export { MAX_CLOCK_TOLERANCE_SECONDS };
export type { RevocationCheck };

interface CommonOptions {
  /** Exact `iss` expected, e.g. `http://localhost:4000`. */
  issuer: string;
  /** `aud` that must be present, e.g. `api`; null accepts any audience (only the issuer itself should). */
  audience: string | null;
  /** Accepted skew on exp/nbf, 0-30 s. Default 30. */
  clockToleranceSeconds?: number;
  /** Only `at+jwt` (RFC 9068) is supported; the option exists to make the choice visible. */
  typ?: 'at+jwt';
  /** Default true; false verifies expired tokens too (the issuer's introspection and revocation). */
  enforceExpiry?: boolean;
  /** Asked on every verification, cache hits included. Default: nothing is revoked. */
  revocations?: RevocationCheck;
  /** Verified tokens kept, least recently used dropped first; 0 disables the cache. Default 10 000. */
  cacheSize?: number;
  /** Refused tokens remembered (by digest) so a replay costs a lookup, not an RSA verify. Default 10 000. */
  failureCacheSize?: number;
  /** How long a refusal is remembered, ms. Default 30 000. */
  failureCacheTtlMs?: number;
  logger?: Logger;
  /** Milliseconds since the epoch; tests move time with it. */
  now?: () => number;
}

/**
 * Where keys come from: exactly one of `jwksUri` (the issuer's published JWKS: the gateway, the
 * services, any third-party verifier) or `keys` (held locally: the issuer verifying its own
 * tokens against its signing key set). The JWKS options apply to `jwksUri` only.
 */
export interface KeySourceOptions {
  /** Where the issuer publishes its keys; never taken from a token. */
  jwksUri?: string;
  keys?: VerificationKeys;
  /** An unknown kid refetches the JWKS at most once per this many ms. Default 30 000. */
  cooldownMs?: number;
  /** JWKS request timeout in ms. Default 5 000. */
  timeoutMs?: number;
  /** The key set is refreshed in the background once older than this. Default 10 minutes. */
  jwksMaxAgeMs?: number;
  /** Called after each JWKS download attempt, e.g. to count fetches in metrics. */
  onJwksFetch?: (result: 'ok' | 'error') => void;
}

export type VerifierOptions = CommonOptions & KeySourceOptions;

export interface Verifier {
  /** Resolves with the token's identity or rejects with an AppError whose code is in TOKEN_ERRORS. */
  verify(token: string): Promise<VerifiedToken>;
  /**
   * `verify`'s answer without a promise when it is already known: the token is in the cache of
   * verified tokens and the revocation list answers synchronously (the lists of lib/revocation
   * do). Throws what `verify` would reject with (TOKEN_REVOKED); a promise when the revocation
   * list answers asynchronously; undefined means "call verify". For a hot path that should not
   * pay an async hop per request (the gateway).
   */
  verifyCached(token: string): VerifiedToken | Promise<VerifiedToken> | undefined;
  /** Fetches the JWKS now (rate-limited by the cooldown); for start-up and /readyz. Local keys: no-op. */
  loadKeys(): Promise<void>;
  /** Whether the JWKS was fetched at least once (always true for local keys). */
  keysLoaded(): boolean;
  close(): void;
}

/** Refusals that the same token string will get again, whatever happens next; others may change. */
const CACHEABLE_FAILURES = new Set<TokenErrorCode>([
  'TOKEN_MALFORMED',
  'TOKEN_SIGNATURE_INVALID',
  'TOKEN_ALGORITHM_INVALID',
  'TOKEN_TYPE_INVALID',
  'TOKEN_CRIT_UNSUPPORTED',
  'KEY_ID_INVALID',
  'KEY_TOO_SMALL',
  'TOKEN_ISSUER_INVALID',
  'TOKEN_AUDIENCE_INVALID',
  'TOKEN_CLAIMS_INVALID',
  'TOKEN_EXPIRED',
]);

/**
 * The one access-token verification core. The gateway, the services, the passport strategy and
 * the auth service itself build it once with their options (key source, audience policy,
 * whether expiry is enforced, clock tolerance, revocation source); each call then costs one
 * cache lookup, and on a miss one decode and one signature check with a pre-imported key
 * (fast-jwt's `createVerifier` shape). jsonwebtoken decodes the token once and checks only the
 * signature; every claim is checked by `checkAccessTokenClaims`, so no failure is ever told
 * apart by an error message's wording.
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
  const policy: ClaimsPolicy = {
    issuer: options.issuer,
    audience: options.audience,
    clockToleranceSeconds: options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS,
    enforceExpiry: options.enforceExpiry ?? true,
  };
  if (!(policy.clockToleranceSeconds >= 0 && policy.clockToleranceSeconds <= MAX_CLOCK_TOLERANCE_SECONDS)) {
    throw new RangeError(`clockToleranceSeconds must be between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  if ((options.typ ?? 'at+jwt') !== 'at+jwt') throw new RangeError('only typ at+jwt is supported');
  const now = options.now ?? Date.now;
  const revocations = options.revocations;
  const verified = new TokenCache<VerifiedToken>(options.cacheSize ?? 10_000);
  const refused = new TokenCache<AppError>(options.failureCacheSize ?? 10_000);
  const failureTtlMs = options.failureCacheTtlMs ?? 30_000;
  if ((options.jwksUri === undefined) === (options.keys === undefined)) throw new TypeError('give exactly one of jwksUri and keys');
  const remote = options.jwksUri === undefined ? undefined : remoteKeys(options.jwksUri, options, now, () => (verified.clear(), refused.clear()));
  const keys: VerificationKeys = remote ?? options.keys!;

  // Synchronous for in-memory revocation lists, so a cache hit costs no extra promise hop.
  function notRevoked(token: VerifiedToken): VerifiedToken | Promise<VerifiedToken> {
    if (revocations === undefined) return token;
    const revoked = isTokenRevoked(revocations, token);
    return typeof revoked === 'boolean' ? refuseIfRevoked(revoked, token) : revoked.then((known) => refuseIfRevoked(known, token));
  }

  function verifyCached(token: string): VerifiedToken | Promise<VerifiedToken> | undefined {
    const cached = verified.get(token, now());
    if (cached === undefined) return undefined;
    // No span per hit (lib/tracing/verifier-tracing.ts); the request's span says "hit".
    verifierTracing().cacheHit();
    return notRevoked(cached);
  }

  async function verifyUncached(token: string, nowMs: number): Promise<VerifiedToken> {
    if (!JWS_COMPACT.test(token)) throw tokenError('TOKEN_MALFORMED');
    const payload = await verifySignature(token, keys);
    return checkAccessTokenClaims(payload, token, policy, Math.floor(nowMs / 1000));
  }

  return {
    verifyCached,
    async verify(token) {
      const known = verifyCached(token);
      if (known !== undefined) return known;
      const nowMs = now();
      const digest = createHash('sha256').update(token).digest('base64url');
      const knownBad = refused.get(digest, nowMs);
      if (knownBad !== undefined) throw knownBad;
      let result: VerifiedToken;
      try {
        result = await verifierTracing().span('verify access token', { 'authgate.token_cache': 'miss' }, () => verifyUncached(token, nowMs), 'internal');
      } catch (err) {
        const code = (err as AppError).code as TokenErrorCode;
        if (CACHEABLE_FAILURES.has(code)) refused.set(digest, err as AppError, nowMs + failureTtlMs, nowMs);
        throw err;
      }
      if (policy.enforceExpiry) verified.set(token, result, result.expiresAt * 1000, now());
      return notRevoked(result);
    },
    loadKeys: () => remote?.load() ?? Promise.resolve(),
    keysLoaded: () => remote?.loaded() ?? true,
    close: () => {
      verified.clear();
      refused.clear();
      remote?.close();
    },
  };
}

function refuseIfRevoked(revoked: boolean, token: VerifiedToken): VerifiedToken {
  if (revoked) throw tokenError('TOKEN_REVOKED');
  return token;
}

function remoteKeys(jwksUri: string, options: VerifierOptions, now: () => number, onKeysRemoved: () => void) {
  return createJwksCache({
    jwksUri,
    cooldownMs: options.cooldownMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxAgeMs: options.jwksMaxAgeMs ?? 10 * 60_000,
    now,
    logger: options.logger,
    // A key the issuer withdrew may have been compromised: stop trusting what it signed at once.
    onKeysRemoved,
    ...(options.onJwksFetch ? { onFetch: options.onJwksFetch } : {}),
  });
}

const SIGNATURE_ONLY: jwt.VerifyOptions = {
  algorithms: [ACCESS_TOKEN_ALGORITHM],
  // The time window, audience and issuer are judged by checkAccessTokenClaims.
  ignoreExpiration: true,
  ignoreNotBefore: true,
};

/**
 * The payload of `token` once its RS256 signature checked out. jsonwebtoken decodes the token and
 * hands us the header; we refuse a bad header and look the key up there. How it failed is told by
 * where it stopped, never by its message: no header handed over means jsonwebtoken could not
 * decode the token; a refusal of ours is rethrown as is; a failure after we gave a key is the
 * signature.
 */
function verifySignature(token: string, keys: VerificationKeys): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let headerSeen = false;
    let refusal: unknown;
    const getKey: jwt.GetPublicKeyOrSecret = (header, callback) => {
      headerSeen = true;
      let key: KeyObject | Promise<KeyObject>;
      try {
        const kid = checkAccessTokenHeader(header);
        key = keys.getKey(kid, () => unverifiedIssuedAt(token));
      } catch (err) {
        refusal = err;
        return callback(err as Error);
      }
      if (!(key instanceof Promise)) return callback(null, key);
      key.then(
        (found) => callback(null, found),
        (err: unknown) => {
          refusal = err;
          callback(err as Error);
        },
      );
    };
    jwt.verify(token, getKey, SIGNATURE_ONLY, (err, payload) => {
      if (!err) return resolve(payload);
      if (refusal !== undefined) return reject(refusal);
      reject(tokenError(headerSeen ? 'TOKEN_SIGNATURE_INVALID' : 'TOKEN_MALFORMED', { cause: err }));
    });
  });
}
