import type { Metrics } from '../../../../lib/metrics/registry.js';
import { labelled, type LabelledCounter, type PlainCounter } from '../../../../lib/metrics/labelled-counter.js';

/**
 * How a password login ended. Wrong password and unknown user are one outcome, as they are one
 * answer to the caller: a second label value would let the metrics tell them apart.
 */
export type LoginOutcome = 'success' | 'invalid_credentials' | 'locked' | 'rate_limited';

/** The grant a token pair was issued under; session (cookie) logins count as `password`. */
export type TokenGrant = 'password' | 'passkey' | 'refresh_token' | 'client_credentials' | 'token_exchange';

/** The auth service's domain counters; call `.inc(...)` where the event happens. */
export interface AuthMetrics {
  /** `auth_logins_total{outcome}`: one per login attempt (JSON and cookie session). */
  logins: LabelledCounter<{ outcome: LoginOutcome }>;
  /** `auth_tokens_issued_total{grant}`: one per access token issued. */
  tokensIssued: LabelledCounter<{ grant: TokenGrant }>;
  /** `auth_refresh_reuse_detected_total`: a spent refresh token came back and its family was revoked. */
  refreshReuseDetected: PlainCounter;
}

const LOGIN_OUTCOMES: readonly LoginOutcome[] = ['success', 'invalid_credentials', 'locked', 'rate_limited'];
const GRANTS: readonly TokenGrant[] = ['password', 'passkey', 'refresh_token', 'client_credentials', 'token_exchange'];

/** Registers the auth counters in the process's registry (idempotent per registry). */
export function createAuthMetrics(metrics: Metrics): AuthMetrics {
  const reuse = metrics.counter('auth_refresh_reuse_detected_total', 'Spent refresh tokens presented again; each revokes its family.');
  return {
    logins: labelled(
      metrics.counter('auth_logins_total', 'Password login attempts by outcome.', ['outcome']),
      LOGIN_OUTCOMES.map((outcome) => ({ outcome })),
    ),
    tokensIssued: labelled(
      metrics.counter('auth_tokens_issued_total', 'Access tokens issued by grant type.', ['grant']),
      GRANTS.map((grant) => ({ grant })),
    ),
    refreshReuseDetected: { inc: (value = 1) => reuse.inc(value) },
  };
}
