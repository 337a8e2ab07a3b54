import { loadGatewayConfig } from '../../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../../gateway/gateway.js';
import { createLogger } from '../../../lib/logger.js';
import { openRevocationList } from '../../../lib/revocation/open-revocation-list.js';
import type { RevocationList } from '../../../lib/revocation/revocation-list.js';
import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { loadNotesConfig } from '../../../services/notes/config.js';
import { startNotesService, type RunningNotesService } from '../../../services/notes/notes-service.js';
import { loadReportsConfig } from '../../../services/reports/config.js';
import { startReportsService, type RunningReportsService } from '../../../services/reports/reports-service.js';
import { startTestAuth, type TestAuth } from '../../auth/support/auth-harness.js';
import { get } from '../../auth/support/http-client.js';
import { newSecret } from '../../auth/support/oauth-client.js';
import { freePort } from '../../support/free-port.js';
import { deleteRedisKeys, HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { waitFor } from '../../gateway/http-client.js';
import { expect } from 'vitest';

/**
 * How verifiers hear revocations: `embedded` is the `npm start` default (no REDIS_URL; auth keeps
 * denials under AUTH_DATA_DIR and serves them on its HTTP feed, REVOCATION_FEED_TOKEN set
 * everywhere); `redis` is every process on REDIS_URL (denylist, pub/sub channel).
 */
export type RevocationMode = 'embedded' | 'redis';

/** Both modes a session end must reach every verifier in; Redis only where a server answers (a failure under CI, see support/redis.ts). */
export const REVOCATION_MODES: ReadonlyArray<{ mode: RevocationMode; enabled: boolean }> = [
  { mode: 'embedded', enabled: true },
  { mode: 'redis', enabled: HAS_REDIS },
];

export interface RevocationStack {
  mode: RevocationMode;
  auth: TestAuth;
  /** Clients the test registers straight in auth's store (an app with redirect URIs). */
  clients: MemoryClientStore;
  gateway: RunningGateway;
  notes: RunningNotesService;
  reports: RunningReportsService;
  /** AUTH_ADMIN_TOKEN of this auth service. */
  adminToken: string;
  /** The secret of client `reports` (deploy/clients.yaml), allowed to exchange user tokens. */
  reportsSecret: string;
  close(): Promise<void>;
}

/**
 * auth, notes, reports and the gateway in this process, each on its own port, each verifier with
 * the revocation list production gives it: `openRevocationList` over the process's own config and
 * environment, exactly what gateway/notes/reports main.ts call. Auth picks its token store by
 * configuration as `npm start` does (embedded under its data dir, or Redis).
 */
/** `authEnv` adds to auth's environment (AUTH_ROLES_FILE, ...); `gatewayEnv` to the gateway's (GATEWAY_ROUTES, ...). */
export async function startRevocationStack(mode: RevocationMode, { authEnv = {}, gatewayEnv = {} }: { authEnv?: Record<string, string>; gatewayEnv?: Record<string, string> } = {}): Promise<RevocationStack> {
  const logger = createLogger({ name: 'revocation-stack', level: 'silent' });
  const adminToken = newSecret();
  const reportsSecret = newSecret();
  const keyPrefix = uniqueRedisPrefix('session-revocation');
  const feedEnv: Record<string, string> =
    mode === 'redis' ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix } : { REVOCATION_FEED_TOKEN: newSecret() };
  const clients = new MemoryClientStore();
  const auth = await startTestAuth({
    tokens: 'config',
    clients,
    env: { ...feedEnv, AUTH_ADMIN_TOKEN: adminToken, AUTH_CLIENTS_FILE: 'deploy/clients.yaml', REPORTS_CLIENT_SECRET: reportsSecret, ...authEnv },
  });
  const lists: RevocationList[] = [];
  const open = async (config: Parameters<typeof openRevocationList>[0], connectionName: string) => {
    const list = await openRevocationList(config, { connectionName, logger, env: feedEnv });
    lists.push(list);
    await list.ready();
    return list;
  };
  const verifierEnv = { AUTH_URL: auth.url, LOG_LEVEL: 'silent', ...feedEnv };
  const notesConfig = loadNotesConfig({ NOTES_PORT: '0', ...verifierEnv });
  const notes = await startNotesService(notesConfig, { logger, revocations: await open(notesConfig, 'test-notes') });
  const reportsPort = await freePort();
  const gatewayConfig = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', ...verifierEnv, ...gatewayEnv });
  const gateway = await startGateway(gatewayConfig, {
    logger,
    env: { NOTES_URL: notes.url, REPORTS_URL: `http://127.0.0.1:${reportsPort}` },
    revocations: await open(gatewayConfig, 'test-gateway'),
  });
  const reportsConfig = loadReportsConfig({ REPORTS_PORT: String(reportsPort), GATEWAY_URL: gateway.url, REPORTS_CLIENT_SECRET: reportsSecret, ...verifierEnv });
  const reports = await startReportsService(reportsConfig, { logger, revocations: await open(reportsConfig, 'test-reports') });
  await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).ok, { timeoutMs: 20_000, intervalMs: 50 });
  return {
    mode,
    auth,
    clients,
    gateway,
    notes,
    reports,
    adminToken,
    reportsSecret,
    async close() {
      await reports.close(1_000);
      await gateway.close(1_000);
      await notes.close(1_000);
      await auth.stop();
      await Promise.all(lists.map((list) => list.close()));
      if (mode === 'redis') await deleteRedisKeys(keyPrefix);
    },
  };
}


/** How soon after a session ends every verifier must refuse its tokens: "within a second". */
export const REVOCATION_WITHIN_MS = 1_000;

/** The stack's three verifiers, each asked with one bearer token on a route that needs one. */
function verifiersOf(stack: RevocationStack) {
  return [
    { name: 'gateway', ask: (token: string) => get(stack.gateway.url, '/api/notes', token) },
    { name: 'notes', ask: (token: string) => get(stack.notes.url, '/notes', token) },
    { name: 'reports', ask: (token: string) => get(stack.reports.url, '/reports/summary', token) },
  ];
}

/** Every token accepted by every verifier. Scope refusals (403) are fine: the token itself was accepted. */
export async function expectAcceptedEverywhere(stack: RevocationStack, tokens: string[]): Promise<void> {
  for (const { name, ask } of verifiersOf(stack)) {
    for (const token of tokens) expect({ name, status: (await ask(token)).status }).not.toEqual({ name, status: 401 });
  }
}

/** Every token refused as revoked by every verifier, all within REVOCATION_WITHIN_MS of `since`; `endedBy` names what ended the session. */
export async function expectRevokedEverywhere(stack: RevocationStack, tokens: string[], since: number, endedBy: string): Promise<void> {
  await Promise.all(
    verifiersOf(stack).flatMap(({ name, ask }) =>
      tokens.map(async (token) => {
        await waitFor(async () => (await ask(token)).status === 401, { timeoutMs: REVOCATION_WITHIN_MS, intervalMs: 20 }).catch(() => {
          throw new Error(`${name} still accepts a token of a session ended by ${endedBy} after ${REVOCATION_WITHIN_MS} ms`);
        });
        expect((await ask(token)).headers.get('www-authenticate')).toContain('revoked');
      }),
    ),
  );
  expect(Date.now() - since).toBeLessThan(REVOCATION_WITHIN_MS + 250);
}
