import type { Counter, LabelValues } from 'prom-client';
import type { Metrics } from '../lib/metrics/registry.js';
import { labelled, type LabelledCounter } from '../lib/metrics/labelled-counter.js';

/** `ok`, or the AppError code a verification failed with (e.g. `TOKEN_EXPIRED`). */
export type VerificationOutcome = 'ok' | (string & {});

export type JwksFetchResult = 'ok' | 'error';

/**
 * Why an upstream call failed: `connect` (refused, DNS, unreachable: 502), `reset` (connection
 * dropped mid-way: 502), `timeout` (route timeout passed: 504), `other`.
 */
export type UpstreamErrorKind = 'connect' | 'reset' | 'timeout' | 'other';

/** The gateway's domain counters; call `.inc(...)` where the event happens. */
export interface GatewayMetrics {
  /** `gateway_token_verifications_total{outcome}`: one per token the gateway verified. */
  tokenVerifications: LabelledCounter<{ outcome: VerificationOutcome }>;
  /** `gateway_jwks_fetches_total{result}`: one per JWKS download attempt (start, unknown kid, expiry). */
  jwksFetches: LabelledCounter<{ result: JwksFetchResult }>;
  /**
   * `gateway_upstream_errors_total{upstream, kind}`: `upstream` is the configured route or
   * upstream name from routes.yaml, never a URL with a path or query taken from the request.
   */
  upstreamErrors: LabelledCounter<{ upstream: string; kind: UpstreamErrorKind }>;
}

// Error codes are SCREAMING_SNAKE by design; anything else is folded so a label stays bounded.
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Maps a verification outcome to a label value: `ok`, a stable error code, or `OTHER`. */
export function verificationOutcomeLabel(outcome: string): string {
  return outcome === 'ok' || ERROR_CODE.test(outcome) ? outcome : 'OTHER';
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

/** Classifies a proxy / fetch error by its node error code (also looked up on `cause`). */
export function upstreamErrorKind(err: unknown): UpstreamErrorKind {
  const code = errorCode(err) ?? errorCode((err as { cause?: unknown } | null)?.cause);
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) return 'timeout';
  if (code !== undefined && CONNECT_CODES.has(code)) return 'connect';
  if (code !== undefined && RESET_CODES.has(code)) return 'reset';
  return 'other';
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/**
 * A hot series of `counter` (one increment per request): added up in a number and handed to
 * prom-client when the registry is scraped (its `collect` hook), instead of prom-client checking
 * and hashing the label object on every request. Scrapes see every increment made before them.
 */
function countedUntilScraped<L extends string>(counter: Counter<L>, labels: LabelValues<L>): (value: number) => void {
  let pending = 0;
  const hooked = counter as Counter<L> & { collect?: () => unknown };
  const previous = hooked.collect;
  hooked.collect = function collect(this: unknown) {
    if (pending > 0) {
      counter.inc(labels, pending);
      pending = 0;
    }
    return previous?.call(this);
  };
  return (value) => {
    pending += value;
  };
}

/** Registers the gateway counters in the process's registry (idempotent per registry). */
export function createGatewayMetrics(metrics: Metrics): GatewayMetrics {
  const verifications = metrics.counter('gateway_token_verifications_total', 'Access tokens verified, by outcome (ok or error code).', ['outcome']);
  verifications.inc({ outcome: 'ok' }, 0);
  const countOk = countedUntilScraped(verifications, { outcome: 'ok' });
  return {
    tokenVerifications: {
      inc: ({ outcome }, value = 1) => (outcome === 'ok' ? countOk(value) : verifications.inc({ outcome: verificationOutcomeLabel(outcome) }, value)),
    },
    jwksFetches: labelled(
      metrics.counter('gateway_jwks_fetches_total', 'JWKS downloads from the issuer, by result.', ['result']),
      [{ result: 'ok' }, { result: 'error' }],
    ),
    upstreamErrors: labelled(
      metrics.counter('gateway_upstream_errors_total', 'Failed upstream calls, by upstream and kind.', ['upstream', 'kind']),
    ),
  };
}
