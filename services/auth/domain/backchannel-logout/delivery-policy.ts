import type { DeliveryPolicy } from '../mail/delivery-policy.js';

/**
 * How logout tokens are retried: 5 s doubling to at most 1 h, 34 attempts in all, so an app that
 * is down is tried for between about 12 and 24 hours (jitter: each wait is half to all of its
 * step) before the delivery is kept as a dead letter (for a week). Eight at once: an app that hangs holds one slot
 * for the request timeout, never the others. The lease outlasts that timeout many times over.
 */
export const BACKCHANNEL_DELIVERY_POLICY: Readonly<DeliveryPolicy> = Object.freeze({
  maxAttempts: 34,
  baseDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  leaseMs: 60_000,
  batchSize: 8,
  pollIntervalMs: 2_000,
  stopGraceMs: 5_000,
});
