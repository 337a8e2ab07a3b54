import { Redis } from 'ioredis';
import { createLogger } from '../../../lib/logger.js';
import { createRedisRevocationList } from '../../../lib/revocation/redis-revocation-list.js';
import type { RevocationList } from '../../../lib/revocation/revocation-list.js';
import { loadGatewayConfig } from '../../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../../gateway/gateway.js';
import { RedisTokenStore } from '../../../services/auth/adapters/redis/redis-token-store.js';
import { loadNotesConfig } from '../../../services/notes/config.js';
import { startNotesService, type RunningNotesService } from '../../../services/notes/notes-service.js';
import { startTestAuth, type TestAuth } from '../../auth/support/auth-harness.js';
import { waitFor } from '../../gateway/http-client.js';
import { freePort } from '../../support/free-port.js';
import { deleteRedisKeys, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';

export interface BrowserStack {
  /** The gateway as tests call it over HTTP. */
  gatewayUrl: string;
  /** The gateway as the browser opens it (a secure context, so Secure cookies work on plain http). */
  pageUrl: string;
  /** The origins the gateway and the auth service accept for cookie-authenticated writes. */
  origins: string[];
  auth: TestAuth;
  notes: RunningNotesService;
  gateway: RunningGateway;
  /** The Redis key prefix of this stack (with `redis`). */
  keyPrefix: string;
  close(): Promise<void>;
}

export interface BrowserStackOptions {
  /**
   * Tokens and app sessions in the real Redis (REDIS_URL) and the gateway fed by its revocation
   * channel, so a logout reaches the gateway; memory stores and no revocation feed otherwise.
   */
  redis?: boolean;
  /** More environment for the auth service, given the gateway's origins (e.g. AUTH_CLIENTS_FILE). */
  authEnv?: (origins: string[]) => Record<string, string>;
  /** The gateway's routes file (GATEWAY_ROUTES); gateway/routes.yaml otherwise. */
  gatewayRoutes?: string;
}

/**
 * auth + notes + gateway in this process, each on a free port, wired as `npm start` wires them:
 * the gateway reads the real gateway/routes.yaml with AUTH_URL / NOTES_URL pointing at the ports
 * actually bound. The gateway's port is chosen first, because the auth service must know the
 * gateway's origin (ALLOWED_ORIGINS) before the gateway exists.
 */
export async function startBrowserStack({ redis = false, authEnv, gatewayRoutes }: BrowserStackOptions = {}): Promise<BrowserStack> {
  const gatewayPort = await freePort();
  const origins = [`http://127.0.0.1:${gatewayPort}`, `http://localhost:${gatewayPort}`];
  const keyPrefix = uniqueRedisPrefix('browser-session');
  const logger = createLogger({ name: 'browser-stack', level: 'silent' });
  const revocations: RevocationList | undefined = redis ? createRedisRevocationList({ url: TEST_REDIS_URL, keyPrefix }) : undefined;
  const auth = await startTestAuth({
    env: {
      ALLOWED_ORIGINS: origins.join(','),
      // With Redis configured auth keeps the app flow's codes and login sessions there too.
      ...(redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix } : {}),
      ...authEnv?.(origins),
    },
    ...(redis ? { tokens: () => new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix }) } : {}),
  });
  const notes = await startNotesService(loadNotesConfig({ NOTES_PORT: '0', AUTH_URL: auth.url, LOG_LEVEL: 'silent' }), {
    logger,
    ...(revocations ? { revocations } : {}),
  });
  const gateway = await startGateway(
    loadGatewayConfig({ GATEWAY_PORT: String(gatewayPort), GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', GATEWAY_DEMO_PAGE: 'true', ...(gatewayRoutes ? { GATEWAY_ROUTES: gatewayRoutes } : {}), AUTH_URL: auth.url, ALLOWED_ORIGINS: origins.join(','), LOG_LEVEL: 'silent' }),
    { logger, env: { NOTES_URL: notes.url, REPORTS_URL: `http://127.0.0.1:${await freePort()}` }, ...(revocations ? { revocations } : {}) },
  );
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await waitFor(async () => (await fetch(`${gatewayUrl}/readyz`)).ok, { timeoutMs: 20_000, intervalMs: 50 });
  return {
    gatewayUrl,
    pageUrl: `http://localhost:${gatewayPort}`,
    origins,
    auth,
    notes,
    gateway,
    keyPrefix,
    async close() {
      await gateway.close(1_000);
      await notes.close(1_000);
      await auth.stop();
      await revocations?.close();
      if (redis) await deleteRedisKeys(keyPrefix);
    },
  };
}

