import type { ReadinessCheck } from '../../lib/http/health.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics/registry.js';
import type { RedisClient } from '../../lib/redis/connection.js';
import { deliveryReport, registerOutboxGauge } from './adapters/mail/delivery-report.js';
import type { AuthConfig } from './config.js';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './domain/mail/delivery-policy.js';
import { MailDeliveryWorker } from './domain/mail/delivery-worker.js';
import { outboxReadiness } from './outbox-readiness.js';
import type { Mail } from './domain/mail/mail.js';
import type { MailTransport } from './domain/mail/mail-transport.js';
import type { Outbox } from './domain/mail/outbox.js';

export interface OpenMailOptions {
  logger: Logger;
  metrics: Metrics;
  /** A Redis connection to share instead of opening one (left open on close). */
  redis?: RedisClient;
  /** Instead of SMTP_URL / the file transport (tests). */
  transport?: MailTransport;
  /** Instead of the defaults of DEFAULT_DELIVERY_POLICY (tests use short waits). */
  delivery?: Partial<DeliveryPolicy>;
  /** Epoch milliseconds. */
  now?: () => number;
}

/** What the account flows send mail through. */
export interface MailService {
  /**
   * `enqueue(mail)` stores the mail durably and wakes the worker; it never waits for the mail
   * server. The rest of the port is the worker's.
   */
  outbox: Outbox & { enqueue(mail: Mail, now?: number): Promise<string> };
  worker: MailDeliveryWorker;
  /** For /readyz: `degraded` (never failing) while deliveries fail; the outbox store must answer. */
  readiness: ReadinessCheck;
  /** Which outbox store and transport were chosen, for the start log. */
  kind: { outbox: string; transport: string };
  /** Stops the worker (in-flight sends finish or go back to the queue), then closes transport and store. */
  close(): Promise<void>;
}

/**
 * Mail by configuration. The outbox lives where the deployment keeps shared state: Redis when
 * configured (REDIS_KEY_PREFIX), else MongoDB (MONGODB_URI), else files under AUTH_DATA_DIR.
 * The transport is SMTP when SMTP_URL is set, else `.eml` files under `$AUTH_DATA_DIR/outbox/`.
 * The worker is built but not started: call `worker.start()` once the service is up.
 */
export async function openMail(config: AuthConfig, options: OpenMailOptions): Promise<MailService> {
  const now = options.now ?? Date.now;
  const { store, kind } = await openOutbox(config, options);
  try {
    const transport = options.transport ?? (await openTransport(config, options.logger));
    const policy = { ...DEFAULT_DELIVERY_POLICY, ...options.delivery };
    const worker = new MailDeliveryWorker({ outbox: store, transport, report: deliveryReport(options.metrics, options.logger, policy.maxAttempts), policy, now });
    registerOutboxGauge(options.metrics, store);
    const outbox: MailService['outbox'] = {
      enqueue: async (mail: Mail, at = now()) => {
        const id = await store.enqueue(mail, at);
        worker.wake();
        return id;
      },
      claim: (at, leaseMs, limit) => store.claim(at, leaseMs, limit),
      markSent: (id) => store.markSent(id),
      reschedule: (id, lease, dueAt, attempts) => store.reschedule(id, lease, dueAt, attempts),
      release: (id, lease, at) => store.release(id, lease, at),
      giveUp: (id, lease, attempts, lastError, at) => store.giveUp(id, lease, attempts, lastError, at),
      deadLetters: (limit) => store.deadLetters(limit),
      counts: () => store.counts(),
      ping: () => store.ping(),
      close: () => store.close(),
    };
    let closing: Promise<void> | undefined;
    return {
      outbox,
      worker,
      kind: { outbox: kind, transport: transport.kind },
      readiness: outboxReadiness('mail', worker, store, () => store.ping()),
      close: () =>
        (closing ??= (async () => {
          await worker.stop();
          await Promise.allSettled([transport.close()]);
          await store.close();
        })()),
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

async function openOutbox(config: AuthConfig, options: OpenMailOptions): Promise<{ store: Outbox; kind: string }> {
  const variable = options.redis || config.redis ? 'REDIS_URL' : config.MONGODB_URI ? 'MONGODB_URI' : 'AUTH_DATA_DIR';
  try {
    return await openOutboxStore(config, options);
  } catch (err) {
    // Which variable led there; not its value, which may carry a password.
    throw new Error(`cannot open the mail outbox configured by ${variable}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

async function openOutboxStore(config: AuthConfig, options: OpenMailOptions): Promise<{ store: Outbox; kind: string }> {
  if (options.redis || config.redis) {
    const { RedisOutbox, connectRedisOutbox } = await import('./adapters/mail/redis-outbox.js');
    if (options.redis) {
      const keyPrefix = config.redis?.keyPrefix;
      return { store: new RedisOutbox({ redis: options.redis, ownsConnection: false, ...(keyPrefix ? { keyPrefix } : {}) }), kind: 'redis' };
    }
    return { store: await connectRedisOutbox(config.redis!, { logger: options.logger }), kind: 'redis' };
  }
  if (config.MONGODB_URI) {
    const { connectMongoOutbox } = await import('./adapters/mail/mongo-outbox.js');
    return { store: await connectMongoOutbox(config.MONGODB_URI), kind: 'mongo' };
  }
  const { EmbeddedOutbox } = await import('./adapters/mail/embedded-outbox.js');
  return { store: await EmbeddedOutbox.open(config.AUTH_DATA_DIR), kind: 'embedded' };
}

async function openTransport(config: AuthConfig, logger: Logger): Promise<MailTransport> {
  if (config.SMTP_URL) {
    const { createSmtpTransport } = await import('./adapters/mail/smtp-transport.js');
    return createSmtpTransport({ url: config.SMTP_URL, from: config.MAIL_FROM });
  }
  const { createFileTransport } = await import('./adapters/mail/file-transport.js');
  return createFileTransport({ dataDir: config.AUTH_DATA_DIR, from: config.MAIL_FROM, logger });
}
