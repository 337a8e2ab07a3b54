import { createAuthMetrics } from './auth-metrics.js';
import type { Metrics } from '../../../../lib/metrics/registry.js';
import { ignoreAuthEvents, type AuthEvents } from '../../domain/auth-events.js';

/**
 * AuthEvents as the shared auth counters (auth_logins_total, auth_tokens_issued_total, ...). Only
 * the closed-set parts of an event become labels; the events without a counter are the audit
 * trail's alone.
 */
export function prometheusAuthEvents(metrics: Metrics): AuthEvents {
  const counters = createAuthMetrics(metrics);
  return {
    ...ignoreAuthEvents,
    loginFinished: ({ outcome }) => counters.logins.inc({ outcome }),
    accessTokenIssued: (grant) => counters.tokensIssued.inc({ grant }),
    refreshReuseDetected: () => counters.refreshReuseDetected.inc(),
  };
}
