/** How the delivery worker paces itself; every field has a default fit for production. */
export interface DeliveryPolicy {
  /** Attempts in all (the first included) before a mail becomes a dead letter. */
  maxAttempts: number;
  /** Wait after the first failure; doubles with each further one, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * How long a claim holds a mail. Longer than a send can take (the SMTP transport gives up on a
   * silent server well before), so a live worker's mail is never sent by another one as well.
   */
  leaseMs: number;
  /** Most mails being sent at once; a slot is refilled as soon as its send ends. */
  batchSize: number;
  /**
   * How often the outbox is asked for due mails when nothing woke the worker: mails enqueued by
   * another replica, and leases that ran out. An enqueue in this process wakes it at once.
   */
  pollIntervalMs: number;
  /** On stop, how long in-flight sends may take before their mails are put back in the queue. */
  stopGraceMs: number;
}

/**
 * 12 attempts, 10 s doubling to at most 30 min: a mail rides out about two hours of SMTP outage
 * before it is given up on (a reset link expires sooner; a verification link later).
 */
export const DEFAULT_DELIVERY_POLICY: Readonly<DeliveryPolicy> = Object.freeze({
  maxAttempts: 12,
  baseDelayMs: 10_000,
  maxDelayMs: 30 * 60_000,
  leaseMs: 120_000,
  batchSize: 10,
  pollIntervalMs: 2_000,
  stopGraceMs: 10_000,
});

/**
 * Milliseconds before the next attempt after `failures` failed ones: exponential, with "equal
 * jitter" (half fixed, half random) so the mails of one outage do not all come back at once,
 * yet each still waits at least half its step.
 */
export function retryDelayMs(failures: number, policy: Pick<DeliveryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
