import { Gauge } from 'prom-client';
import type { Logger } from '../../../../lib/logger.js';
import { labelled } from '../../../../lib/metrics/labelled-counter.js';
import type { Metrics } from '../../../../lib/metrics/registry.js';
import type { DeliveryReport } from '../../domain/mail/delivery-worker.js';
import type { Outbox } from '../../domain/mail/outbox.js';

type DeliveryResult = 'sent' | 'retry' | 'failed';
const RESULTS: readonly DeliveryResult[] = ['sent', 'retry', 'failed'];

/**
 * `auth_mail_deliveries_total{result}` and one log line per failed attempt: the purpose, the
 * attempt, the mail id and the transport's error (code, SMTP reply); never the address, the
 * subject, the body or the link, which carry the token.
 */
export function deliveryReport(metrics: Metrics, logger: Pick<Logger, 'warn' | 'error' | 'debug'>, maxAttempts: number): DeliveryReport {
  const deliveries = labelled(
    metrics.counter('auth_mail_deliveries_total', 'Mail delivery attempts by result: sent, retry (failed, tried again later), failed (given up).', ['result']),
    RESULTS.map((result) => ({ result })),
  );
  return {
    sent(mail) {
      deliveries.inc({ result: 'sent' });
      logger.debug({ mailId: mail.id, purpose: mail.mail.purpose, attempt: mail.attempts + 1 }, 'mail sent');
    },
    retry(mail, attempt, error, retryInMs) {
      deliveries.inc({ result: 'retry' });
      logger.warn(
        { mailId: mail.id, purpose: mail.mail.purpose, attempt, maxAttempts, code: error.code, responseCode: error.responseCode, error: error.message, retryInMs },
        'mail delivery failed; it stays queued and is tried again',
      );
    },
    failed(mail, attempt, error) {
      deliveries.inc({ result: 'failed' });
      logger.warn(
        { mailId: mail.id, purpose: mail.mail.purpose, attempt, maxAttempts, code: error.code, responseCode: error.responseCode, error: error.message },
        'mail delivery failed for the last time; the mail is kept as a dead letter',
      );
    },
    storeError(operation, error) {
      logger.warn({ operation, error: error instanceof Error ? error.message : String(error) }, 'mail outbox unavailable; queued mails wait for it');
    },
  };
}

/**
 * `auth_mail_outbox_mails{state="queued|dead"}`, read from the outbox at scrape time. A store
 * that cannot answer leaves the last values (a scrape must not fail for it).
 */
export function registerOutboxGauge(metrics: Metrics, outbox: Outbox): void {
  const name = 'auth_mail_outbox_mails';
  const existing = metrics.registry.getSingleMetric(name);
  if (existing) metrics.registry.removeSingleMetric(name);
  new Gauge({
    name,
    help: 'Mails in the outbox: queued (not yet sent, including retries) and dead (given up, kept for a week).',
    labelNames: ['state'],
    registers: [metrics.registry],
    async collect() {
      try {
        const { queued, dead } = await outbox.counts();
        this.set({ state: 'queued' }, queued);
        this.set({ state: 'dead' }, dead);
      } catch {
        // Keeps the previous values; the store's own readiness check reports it.
      }
    },
  });
}
