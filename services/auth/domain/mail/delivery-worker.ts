import { DEFAULT_DELIVERY_POLICY, retryDelayMs, type DeliveryPolicy } from './delivery-policy.js';
import type { Mail, OutboxPayload, QueuedMail } from './mail.js';
import { MailSendError, type DeliveryTransport } from './mail-transport.js';
import type { Outbox } from './outbox.js';

/** What the worker tells the outside world (metrics, logs); never handed the mail's content to print. */
export interface DeliveryReport<P extends OutboxPayload = Mail> {
  sent(mail: QueuedMail<P>): void;
  /** Attempt `attempt` failed; the next one comes in `retryInMs`. */
  retry(mail: QueuedMail<P>, attempt: number, error: MailSendError, retryInMs: number): void;
  /** Attempt `attempt` was the last: the mail is a dead letter now. */
  failed(mail: QueuedMail<P>, attempt: number, error: MailSendError): void;
  /** The outbox itself failed (claim, mark, reschedule): the mail stays leased and comes back. */
  storeError(operation: string, error: unknown): void;
}

/** For /readyz: mail is queued while SMTP is down, so this degrades readiness, never fails it. */
export interface DeliveryStatus {
  transport: string;
  /** True after a failed attempt, until the next successful one. */
  failing: boolean;
  /** The last failure, as logged (code and server reply; no content). */
  lastError?: string;
  /** Epoch milliseconds of the last failure. */
  lastFailureAt?: number;
}

export interface DeliveryWorkerOptions<P extends OutboxPayload = Mail> {
  outbox: Outbox<P>;
  transport: DeliveryTransport<P>;
  report: DeliveryReport<P>;
  policy?: Partial<DeliveryPolicy>;
  now?: () => number;
  random?: () => number;
}

/**
 * Sends what is in the outbox, off the request path: one loop per process that claims due mails
 * (leased, so replicas sharing a store never send one mail twice while its holder is alive),
 * sends each, and marks it sent, retries it later with backoff, or gives it up after
 * `maxAttempts`. A request that enqueues a mail therefore never waits for the mail server.
 * The same loop delivers back-channel logout tokens from their own outbox (domain/backchannel-logout).
 */
export class MailDeliveryWorker<P extends OutboxPayload = Mail> {
  readonly policy: DeliveryPolicy;
  private readonly now: () => number;
  private readonly random: () => number;
  private running: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private wakeUp: (() => void) | undefined;
  /** The earliest retry this worker scheduled, so it does not sleep past it. */
  private nextRetryAt = Infinity;
  private readonly inFlight = new Map<string, QueuedMail<P>>();
  /** Deliveries under way: up to `batchSize`, each freeing its slot as soon as it is done. */
  private readonly deliveries = new Set<Promise<void>>();
  private current: DeliveryStatus;

  constructor(private readonly options: DeliveryWorkerOptions<P>) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.current = { transport: options.transport.kind, failing: false };
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = this.loop();
  }

  /** A mail was enqueued here: look at the outbox now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  status(): DeliveryStatus {
    return { ...this.current };
  }

  /**
   * Stops claiming, lets in-flight sends finish for up to `stopGraceMs`, then puts the mails of
   * sends still running back in the queue (due at once): the next start, or another replica,
   * sends them. At least once: such a mail may arrive twice, never not at all.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.policy.stopGraceMs)));
    const outcome = await Promise.race([this.running.then(() => 'done' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'late') {
      const now = this.now();
      await Promise.all(
        [...this.inFlight.values()].map((mail) => this.options.outbox.release(mail.id, mail.lease, now).catch((err: unknown) => this.options.report.storeError('release', err))),
      );
    }
  }

  /**
   * Keeps up to `batchSize` deliveries going, claiming more whenever one finishes: a receiver that
   * hangs (until its timeout) holds one slot, never the deliveries queued behind it.
   */
  private async loop(): Promise<void> {
    const { outbox, report } = this.options;
    while (!this.stopping) {
      this.woken = false;
      const room = this.policy.batchSize - this.deliveries.size;
      let claimed: Array<QueuedMail<P>> = [];
      if (room > 0) {
        try {
          claimed = await outbox.claim(this.now(), this.policy.leaseMs, room);
        } catch (err) {
          report.storeError('claim', err);
        }
      }
      if (claimed.length > 0) {
        for (const mail of claimed) {
          const delivery: Promise<void> = this.deliver(mail).finally(() => {
            this.deliveries.delete(delivery);
            this.wake();
          });
          this.deliveries.add(delivery);
        }
        // More may be due (mails that came in meanwhile): ask again at once, while there is room.
        continue;
      }
      if (!this.woken) await this.sleep();
    }
    // Stopping: the loop is done when the deliveries under way are (stop() bounds the wait).
    await Promise.all(this.deliveries);
  }

  private sleep(): Promise<void> {
    const untilRetry = this.nextRetryAt - this.now();
    const ms = Math.max(0, Math.min(this.policy.pollIntervalMs, untilRetry));
    if (untilRetry <= this.policy.pollIntervalMs) this.nextRetryAt = Infinity;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).finally(() => (this.wakeUp = undefined));
  }

  private async deliver(mail: QueuedMail<P>): Promise<void> {
    const { outbox, transport, report } = this.options;
    this.inFlight.set(mail.id, mail);
    try {
      await transport.send(mail.mail, mail.id);
    } catch (err) {
      await this.failedAttempt(mail, asSendError(err));
      return;
    } finally {
      this.inFlight.delete(mail.id);
    }
    this.current = { transport: transport.kind, failing: false };
    try {
      await outbox.markSent(mail.id);
    } catch (err) {
      // Sent, but still in the outbox: its lease runs out and it goes again (at least once).
      report.storeError('markSent', err);
    }
    report.sent(mail);
  }

  private async failedAttempt(mail: QueuedMail<P>, error: MailSendError): Promise<void> {
    const { outbox, report, transport } = this.options;
    const attempt = mail.attempts + 1;
    const now = this.now();
    this.current = { transport: transport.kind, failing: true, lastError: error.summary(), lastFailureAt: now };
    try {
      if (attempt >= this.policy.maxAttempts) {
        await outbox.giveUp(mail.id, mail.lease, attempt, error.summary(), now);
        report.failed(mail, attempt, error);
        return;
      }
      const retryInMs = retryDelayMs(attempt, this.policy, this.random);
      await outbox.reschedule(mail.id, mail.lease, now + retryInMs, attempt);
      this.nextRetryAt = Math.min(this.nextRetryAt, now + retryInMs);
      report.retry(mail, attempt, error, retryInMs);
    } catch (err) {
      report.storeError(attempt >= this.policy.maxAttempts ? 'giveUp' : 'reschedule', err);
    }
  }
}

function asSendError(err: unknown): MailSendError {
  if (err instanceof MailSendError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'ESEND';
  return new MailSendError(code, err instanceof Error ? err.message : String(err));
}
