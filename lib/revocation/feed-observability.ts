import { Gauge } from 'prom-client';
import type { ReadinessCheck } from '../http/health.js';
import type { Metrics } from '../metrics/index.js';
import type { RevocationList } from './revocation-list.js';

/**
 * `/readyz` for the revocation feed. Not ready only until the first full read (a cold verifier
 * must know the current revocations before it takes traffic); after that an outage is reported
 * as `degraded` with the feed's state in `details.revocation_feed`, and readiness stays 200: a
 * Redis or auth blip must not pull every replica out of rotation at once.
 */
export function revocationFeedReadiness(list: RevocationList): ReadinessCheck {
  return {
    name: 'revocation_feed',
    check: () => {
      const { source, up, loaded, downSince, reason } = list.status();
      if (!loaded) throw new Error(`revocation state not loaded yet${reason ? `: ${reason}` : ''}`);
      const detail: Record<string, unknown> = { source, up };
      if (downSince !== undefined) detail.down_since = new Date(downSince).toISOString();
      if (reason !== undefined) detail.reason = reason;
      return { degraded: !up, detail };
    },
  };
}

/** `revocation_feed_up{source}`: 1 while revocations are heard, 0 while they are not (read at scrape). */
export function registerRevocationFeedGauge(metrics: Metrics, list: RevocationList): void {
  const name = 'revocation_feed_up';
  if (metrics.registry.getSingleMetric(name)) metrics.registry.removeSingleMetric(name);
  new Gauge({
    name,
    help: 'Whether this process hears revocations right now (1) or not (0: the feed is down or none is configured).',
    labelNames: ['source'],
    registers: [metrics.registry],
    collect() {
      const { source, up } = list.status();
      this.reset();
      this.set({ source }, up ? 1 : 0);
    },
  });
}
