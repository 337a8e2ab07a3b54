import type { ReadinessCheck } from '../../lib/http/health.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics/registry.js';
import { backchannelDeliveryReport } from './adapters/backchannel-logout/delivery-report.js';
import { createHttpLogoutTransport } from './adapters/backchannel-logout/http-logout-transport.js';
import type { AuthConfig } from './config.js';
import { BACKCHANNEL_DELIVERY_POLICY } from './domain/backchannel-logout/delivery-policy.js';
import type { IdTokenSessions } from './domain/backchannel-logout/id-token-sessions.js';
import type { LogoutDelivery } from './domain/backchannel-logout/logout-delivery.js';
import { createLogoutTokenMinter } from './domain/backchannel-logout/logout-token.js';
import type { DeliveryPolicy } from './domain/mail/delivery-policy.js';
import { MailDeliveryWorker } from './domain/mail/delivery-worker.js';
import { outboxReadiness } from './outbox-readiness.js';
import type { Outbox } from './domain/mail/outbox.js';
import type { TokenSigner } from './domain/tokens/token-signing.js';

/** The queue's name: Redis hash tag `{backchannel-logout}`, spool `backchannel-logout-queue/`, collection `backchannel_logout_outbox`. */
const QUEUE = 'backchannel-logout';

export interface OpenBackchannelLogoutOptions {
  logger: Logger;
  metrics: Metrics;
  signer: TokenSigner;
  /** Instead of BACKCHANNEL_DELIVERY_POLICY (tests use short waits). */
  delivery?: Partial<DeliveryPolicy>;
  now?: () => number;
}

export interface BackchannelLogoutService {
  sessions: IdTokenSessions;
  /** `enqueue` resolves once durable and wakes the worker. */
  outbox: Pick<Outbox<LogoutDelivery>, 'enqueue'>;
  worker: MailDeliveryWorker<LogoutDelivery>;
  readiness: ReadinessCheck;
  kind: string;
  /** Stops the worker (unfinished deliveries go back to the queue), then closes both stores. */
  close(): Promise<void>;
}

/**
 * OIDC Back-Channel Logout's stores and worker, where the deployment keeps shared state: Redis
 * when configured, else MongoDB, else files under AUTH_DATA_DIR. The same outbox and delivery loop as mail, in a
 * queue of its own. Built but not started: call `worker.start()` once the service is up.
 */
export async function openBackchannelLogout(config: AuthConfig, options: OpenBackchannelLogoutOptions): Promise<BackchannelLogoutService> {
  const now = options.now ?? Date.now;
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const store = await openQueue(config, options.logger);
    opened.push(store);
    const sessions = await openParticipants(config, options.logger);
    opened.push(sessions);
    const policy = { ...BACKCHANNEL_DELIVERY_POLICY, ...options.delivery };
    const transport = createHttpLogoutTransport({
      mintLogoutToken: createLogoutTokenMinter({ issuer: config.AUTH_ISSUER, signer: options.signer, now }),
      timeoutMs: config.BACKCHANNEL_LOGOUT_TIMEOUT * 1000,
    });
    const worker = new MailDeliveryWorker<LogoutDelivery>({ outbox: store, transport, report: backchannelDeliveryReport(options.metrics, options.logger, policy.maxAttempts), policy, now });
    let closing: Promise<void> | undefined;
    return {
      sessions,
      outbox: {
        enqueue: async (delivery, at) => {
          const id = await store.enqueue(delivery, at);
          worker.wake();
          return id;
        },
      },
      worker,
      kind: config.redis ? 'redis' : config.MONGODB_URI ? 'mongo' : 'embedded',
      readiness: outboxReadiness('backchannel-logout', worker, store, () => Promise.all([store.ping(), sessions.ping()])),
      close: () =>
        (closing ??= (async () => {
          await worker.stop();
          await Promise.all([store.close(), sessions.close()]);
        })()),
    };
  } catch (err) {
    await Promise.allSettled(opened.map((store) => store.close()));
    // Which variable led there; not its value, which may carry a password.
    const variable = config.redis ? 'REDIS_URL' : config.MONGODB_URI ? 'MONGODB_URI' : 'AUTH_DATA_DIR';
    throw new Error(`cannot open the back-channel logout stores configured by ${variable}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

async function openQueue(config: AuthConfig, logger: Logger): Promise<Outbox<LogoutDelivery>> {
  if (config.redis) {
    const { connectRedisOutbox } = await import('./adapters/mail/redis-outbox.js');
    return connectRedisOutbox<LogoutDelivery>(config.redis, { logger, queue: QUEUE });
  }
  if (config.MONGODB_URI) {
    const { connectMongoOutbox } = await import('./adapters/mail/mongo-outbox.js');
    return connectMongoOutbox<LogoutDelivery>(config.MONGODB_URI, { queue: { collection: 'backchannel_logout_outbox', model: 'BackchannelLogoutOutbox' } });
  }
  const { EmbeddedOutbox } = await import('./adapters/mail/embedded-outbox.js');
  return EmbeddedOutbox.open<LogoutDelivery>(config.AUTH_DATA_DIR, `${QUEUE}-queue`);
}

/** Where shared state lives: Redis when configured, else MongoDB, else a file under AUTH_DATA_DIR. */
async function openParticipants(config: AuthConfig, logger: Logger): Promise<IdTokenSessions> {
  if (config.redis) {
    const { connectRedisIdTokenSessions } = await import('./adapters/backchannel-logout/redis-id-token-sessions.js');
    return connectRedisIdTokenSessions(config.redis, { logger });
  }
  if (config.MONGODB_URI) {
    const { connectMongoIdTokenSessions } = await import('./adapters/backchannel-logout/mongo-id-token-sessions.js');
    return connectMongoIdTokenSessions(config.MONGODB_URI);
  }
  const { openEmbeddedIdTokenSessions } = await import('./adapters/backchannel-logout/embedded-id-token-sessions.js');
  return openEmbeddedIdTokenSessions(config.AUTH_DATA_DIR);
}
