import type { ReadinessCheck } from '../../lib/http/health.js';
import type { DeliveryStatus } from './domain/mail/delivery-worker.js';

/**
 * The readiness check of a durable outbox and its delivery worker (mail, back-channel logout):
 * failed when its stores do not answer `ping`, degraded while deliveries are failing (the
 * queue keeps them: nothing is lost), with the worker's status and the queue's counts as detail.
 */
export function outboxReadiness(
  name: string,
  worker: { status(): DeliveryStatus },
  outbox: { counts(): Promise<{ queued: number; dead: number }> },
  ping: () => Promise<unknown>,
): ReadinessCheck {
  return {
    name,
    check: async () => {
      await ping();
      const status = worker.status();
      const { queued, dead } = await outbox.counts();
      return { degraded: status.failing, detail: { ...status, queued, dead } };
    },
  };
}
