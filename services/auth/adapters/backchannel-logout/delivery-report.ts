import type { Logger } from '../../../../lib/logger.js';
import { labelled } from '../../../../lib/metrics/labelled-counter.js';
import type { Metrics } from '../../../../lib/metrics/registry.js';
import type { LogoutDelivery } from '../../domain/backchannel-logout/logout-delivery.js';
import type { DeliveryReport } from '../../domain/mail/delivery-worker.js';

type DeliveryResult = 'delivered' | 'retry' | 'failed';
const RESULTS: readonly DeliveryResult[] = ['delivered', 'retry', 'failed'];

/**
 * `auth_backchannel_logout_deliveries_total{result}` and one log line per failed attempt naming
 * the app, the attempt and the status or network error; never the logout token (it is signed per
 * attempt and only ever sent), never the session id.
 */
export function backchannelDeliveryReport(metrics: Metrics, logger: Pick<Logger, 'warn' | 'debug'>, maxAttempts: number): DeliveryReport<LogoutDelivery> {
  const deliveries = labelled(
    metrics.counter(
      'auth_backchannel_logout_deliveries_total',
      'Back-channel logout token deliveries by result: delivered, retry (failed, tried again later), failed (given up).',
      ['result'],
    ),
    RESULTS.map((result) => ({ result })),
  );
  return {
    sent(item) {
      deliveries.inc({ result: 'delivered' });
      logger.debug({ deliveryId: item.id, clientId: item.mail.clientId, attempt: item.attempts + 1 }, 'logout token delivered');
    },
    retry(item, attempt, error, retryInMs) {
      deliveries.inc({ result: 'retry' });
      logger.warn(
        { deliveryId: item.id, clientId: item.mail.clientId, attempt, maxAttempts, code: error.code, status: error.responseCode, error: error.message, retryInMs },
        'back-channel logout delivery failed; it stays queued and is tried again',
      );
    },
    failed(item, attempt, error) {
      deliveries.inc({ result: 'failed' });
      logger.warn(
        { deliveryId: item.id, clientId: item.mail.clientId, attempt, maxAttempts, code: error.code, status: error.responseCode, error: error.message },
        'back-channel logout delivery failed for the last time; it is kept as a dead letter',
      );
    },
    storeError(operation, error) {
      logger.warn({ operation, error: error instanceof Error ? error.message : String(error) }, 'back-channel logout outbox unavailable; queued deliveries wait for it');
    },
  };
}
