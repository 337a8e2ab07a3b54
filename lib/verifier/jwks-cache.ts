import { createPublicKey, type KeyObject } from 'node:crypto';
import jwksRsa from 'jwks-rsa';
import type { Logger } from '../logger.js';
import { tokenError } from './errors.js';
import { jwksAgent } from './jwks-agent.js';
import { KID_PATTERN } from './jws-header.js';
import { verifierTracing } from './tracing.js';

export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * After a failed fetch the next try waits at most this long, so a gateway started before its
 * issuer recovers quickly; it is also the floor between refetches that a token newer than the
 * last fetch may trigger.
 */
const MIN_REFETCH_INTERVAL_MS = 1_000;

/**
 * Where a verifier finds the key for a token's `kid`: the issuer's remote JWKS (gateway,
 * services) or, inside the issuer itself, its own signing key set. Throws or rejects with
 * KEY_NOT_FOUND, KEY_TOO_SMALL or JWKS_UNAVAILABLE.
 */
export interface VerificationKeys {
  /**
   * The key for `kid`. `issuedAt` reads the token's `iat` (epoch seconds) and is called for an
   * unknown kid only: a token newer than the last fetch may be signed with a key published since.
   */
  getKey(kid: string, issuedAt?: () => number | undefined): KeyObject | Promise<KeyObject>;
}

export interface JwksCacheOptions {
  jwksUri: string;
  /** An unknown kid refetches the key set at most once per this many ms. */
  cooldownMs: number;
  /** JWKS request timeout. */
  timeoutMs: number;
  /** After this long the set is refreshed in the background on the next lookup (known keys keep working meanwhile). */
  maxAgeMs: number;
  now: () => number;
  logger?: Logger;
  /** Called after a refresh dropped keys, so caches of tokens they signed can be emptied. */
  onKeysRemoved?: () => void;
  /** Called after each download attempt (metrics). */
  onFetch?: (result: 'ok' | 'error') => void;
}

type KeyEntry = { key: KeyObject } | { tooSmall: true };

export interface JwksCache extends VerificationKeys {
  /** Fetches the set now unless a fetch ran within the cooldown; rejects with JWKS_UNAVAILABLE. */
  load(): Promise<void>;
  /** Whether a key set was fetched successfully at least once. */
  loaded(): boolean;
  close(): void;
}

/**
 * The issuer's public keys, held as `KeyObject`s per kid so the signature check never re-parses
 * a PEM (jsonwebtoken re-parses string keys on every call; bench/README.md, verifier table).
 *
 * jwks-rsa does the fetching (URI, timeout, keep-alive agent, error shapes). Its own cache and
 * rate limiter wrap `getSigningKey(kid)`, which downloads the whole set per unknown kid, keeps
 * one key and hands it back as PEM; we call `getKeys()` instead, keep every key of the set, and
 * enforce "at most one fetch per cooldown" ourselves, which is a stricter rate limit than
 * jwks-rsa's per-minute bucket. Concurrent lookups of the same unknown kid share one fetch.
 *
 * Two rules keep a rotation from locking out its new key: a token whose `iat` is later than the
 * last successful fetch may refetch once per second even within the cooldown (its key may have
 * been published after that fetch; a forger gains at most one fetch a second), and an unknown kid
 * is KEY_NOT_FOUND (401) only when the latest fetch succeeded. While the issuer's JWKS is
 * unreachable, an unknown kid is always JWKS_UNAVAILABLE (503): nobody can tell whether the key
 * exists, so the client is told to retry rather than that its token is bad.
 */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  // Its requests carry the trace of the verification that needed the keys (traceparent).
  const spanAttributes = { 'url.full': withoutCredentials(options.jwksUri) };
  const agent = jwksAgent(options.jwksUri.startsWith('https:') ? 'https:' : 'http:');
  const client = new jwksRsa.JwksClient({ jwksUri: options.jwksUri, timeout: options.timeoutMs, cache: false, rateLimit: false, requestAgent: agent });
  let keys = new Map<string, KeyEntry>();
  let fetchedAtMs: number | undefined;
  let lastAttemptMs = Number.NEGATIVE_INFINITY;
  let lastAttemptFailed = false;
  let inFlight: Promise<void> | undefined;

  async function fetchKeys(): Promise<void> {
    lastAttemptMs = options.now();
    let jwks: unknown;
    try {
      jwks = await verifierTracing().span('fetch JWKS', spanAttributes, () => client.getKeys(), 'client');
      lastAttemptFailed = false;
    } catch (err) {
      lastAttemptFailed = true;
      options.onFetch?.('error');
      options.logger?.warn({ err: { message: (err as Error)?.message }, jwksUri: options.jwksUri }, 'JWKS fetch failed');
      throw tokenError('JWKS_UNAVAILABLE', { cause: err });
    }
    const next = toKeyEntries(jwks, options.logger);
    const removed = [...keys.keys()].some((kid) => !next.has(kid));
    keys = next;
    fetchedAtMs = options.now();
    options.onFetch?.('ok');
    if (removed) options.onKeysRemoved?.();
  }

  function refresh(): Promise<void> {
    inFlight ??= fetchKeys().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function withinCooldown(): boolean {
    const wait = lastAttemptFailed ? Math.min(options.cooldownMs, MIN_REFETCH_INTERVAL_MS) : options.cooldownMs;
    return options.now() - lastAttemptMs < wait;
  }

  function usable(entry: KeyEntry): KeyObject {
    if ('tooSmall' in entry) throw tokenError('KEY_TOO_SMALL');
    return entry.key;
  }

  async function fetchAndFind(kid: string): Promise<KeyObject> {
    await refresh();
    const entry = keys.get(kid);
    if (entry === undefined) throw tokenError('KEY_NOT_FOUND');
    return usable(entry);
  }

  function mayRefetchFor(issuedAt: (() => number | undefined) | undefined): boolean {
    if (!withinCooldown()) return true;
    if (fetchedAtMs === undefined || options.now() - lastAttemptMs < MIN_REFETCH_INTERVAL_MS) return false;
    const iat = issuedAt?.();
    return iat !== undefined && iat * 1000 > fetchedAtMs;
  }

  return {
    getKey(kid, issuedAt) {
      const entry = keys.get(kid);
      if (entry !== undefined) {
        if (fetchedAtMs !== undefined && options.now() - fetchedAtMs > options.maxAgeMs && !withinCooldown()) {
          refresh().catch(() => {}); // known keys keep working while the issuer is briefly away
        }
        return usable(entry);
      }
      if (inFlight || mayRefetchFor(issuedAt)) return fetchAndFind(kid);
      if (fetchedAtMs === undefined || lastAttemptFailed) throw tokenError('JWKS_UNAVAILABLE');
      throw tokenError('KEY_NOT_FOUND');
    },
    async load() {
      if (inFlight) return inFlight;
      if (fetchedAtMs !== undefined && withinCooldown()) return;
      if (fetchedAtMs === undefined && withinCooldown()) throw tokenError('JWKS_UNAVAILABLE');
      return refresh();
    },
    loaded: () => fetchedAtMs !== undefined,
    close: () => agent.destroy(),
  };
}

/** The JWKS URI as a span may show it: no userinfo, no query. */
function withoutCredentials(uri: string): string {
  const url = new URL(uri);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString();
}

/**
 * Only RSA signing keys with a well-formed kid are kept, imported from their public members
 * alone (a JWKS that leaks a private member must not make us hold private material). Keys under
 * 2048 bits are remembered as too small, so a token they signed gets KEY_TOO_SMALL, not a refetch.
 */
function toKeyEntries(jwks: unknown, logger?: Logger): Map<string, KeyEntry> {
  const entries = new Map<string, KeyEntry>();
  if (!Array.isArray(jwks)) return entries;
  for (const jwk of jwks as unknown[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const { kty, kid, use, alg, n, e } = jwk as Record<string, unknown>;
    if (kty !== 'RSA' || typeof kid !== 'string' || !KID_PATTERN.test(kid)) continue;
    if (use !== undefined && use !== 'sig') continue;
    if (alg !== undefined && alg !== 'RS256') continue;
    if (typeof n !== 'string' || typeof e !== 'string') continue;
    try {
      const key = createPublicKey({ key: { kty, n, e }, format: 'jwk' });
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      entries.set(kid, bits >= MIN_RSA_MODULUS_BITS ? { key } : { tooSmall: true });
    } catch (err) {
      logger?.warn({ kid, err: { message: (err as Error).message } }, 'JWKS key skipped: not a valid RSA public key');
    }
  }
  return entries;
}
