import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { createMemoryNoteStore } from '../../services/notes/adapters/memory-note-store.js';
import { loadNotesConfig } from '../../services/notes/config.js';
import type { NoteStore } from '../../services/notes/domain/note-store.js';
import { startNotesService, type RunningNotesService } from '../../services/notes/notes-service.js';
import { loadReportsConfig } from '../../services/reports/config.js';
import { startReportsService, type RunningReportsService } from '../../services/reports/reports-service.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { get, post, registerAndLogin } from '../auth/support/http-client.js';
import { newSecret } from '../auth/support/oauth-client.js';
import { freePort } from '../support/free-port.js';

const silent = createLogger({ name: 'test', level: 'silent' });

/** A fetch that records what reports sends, to the token endpoint and to the gateway. */
function watchingFetch(tokenEndpoint: string, options: { bogusFirstToken?: boolean } = {}) {
  const tokenRequests: number[] = [];
  const gatewayRequests: Array<{ authorization: string | null; cookie: string | null; status: number }> = [];
  const watched: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url === tokenEndpoint) {
      tokenRequests.push(Date.now());
      if (options.bogusFirstToken && tokenRequests.length === 1) {
        // A token the gateway cannot verify, as if it had been signed by a withdrawn key.
        return Response.json({ access_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', token_type: 'Bearer', expires_in: 900 });
      }
      return fetch(input, init);
    }
    const headers = new Headers(init?.headers);
    const response = await fetch(input, init);
    gatewayRequests.push({ authorization: headers.get('authorization'), cookie: headers.get('cookie'), status: response.status });
    return response;
  };
  return { tokenRequests, gatewayRequests, fetch: watched };
}

describe('reports calls notes through the gateway: for a user by token exchange, for a client with its own token', () => {
  const secret = newSecret();
  const owners: string[] = [];
  let auth: TestAuth;
  let notes: RunningNotesService;
  let gateway: RunningGateway;
  let reports: RunningReportsService;
  let store: NoteStore;
  let watch: ReturnType<typeof watchingFetch>;
  let reportsPort: number;
  let batchSecret: string;
  const ADMIN_TOKEN = newSecret();
  const batchToken = async () =>
    (await fetch(`${auth.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`batch:${batchSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json() as Promise<{ access_token: string }>)).access_token;

  const reportsConfig = (port: number) =>
    loadReportsConfig({ REPORTS_PORT: String(port), GATEWAY_URL: gateway.url, AUTH_URL: auth.url, REPORTS_CLIENT_SECRET: secret, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    // The compose clients file registers `reports` with ${REPORTS_CLIENT_SECRET}.
    auth = await startTestAuth({ env: { AUTH_CLIENTS_FILE: 'deploy/clients.yaml', REPORTS_CLIENT_SECRET: secret, AUTH_ADMIN_TOKEN: ADMIN_TOKEN } });
    // A service calling reports as itself (client credentials, no user).
    const created = await post(auth.url, '/admin/clients', { client_id: 'batch', scopes: ['reports:read'] }, ADMIN_TOKEN);
    batchSecret = created.body.client_secret;
    const memory = createMemoryNoteStore();
    store = { ...memory, list: async (owner) => (owners.push(owner), memory.list(owner)) };
    notes = await startNotesService(loadNotesConfig({ NOTES_PORT: '0', AUTH_URL: auth.url, LOG_LEVEL: 'silent' }), { store, logger: silent });
    reportsPort = await freePort();
    gateway = await startGateway(loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_URL: auth.url, LOG_LEVEL: 'silent' }), {
      logger: silent,
      env: { NOTES_URL: notes.url, REPORTS_URL: `http://127.0.0.1:${reportsPort}` },
    });
    watch = watchingFetch(`${auth.url}/oauth/token`);
    reports = await startReportsService(reportsConfig(reportsPort), {
      logger: silent,
      fetch: watch.fetch,
      metrics: createMetrics({ service: 'reports', defaultMetrics: false }),
    });
  });
  afterAll(async () => {
    await reports?.close();
    await gateway?.close();
    await notes?.close();
    await auth?.stop();
  });

  it('when a user asks for the summary through the gateway, then notes is read as that user with reports as the actor, by a token exchanged for theirs, Bearer only', async () => {
    const user = await registerAndLogin(auth.url, 'report-reader');
    expect((await post(gateway.url, '/api/notes', { title: 'mine' }, user.access_token)).status).toBe(201);
    expect((await post(gateway.url, '/api/notes', { title: 'also mine' }, user.access_token)).status).toBe(201);
    await store.create({ owner: 'reports', title: 'kept by reports', body: '' });
    owners.length = 0;

    const res = await get(gateway.url, '/api/reports/summary', user.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      requestedBy: { sub: user.id, username: 'report-reader', clientId: auth.config.FIRST_PARTY_CLIENT_ID },
      readAs: { clientId: 'reports', sub: user.id, actor: 'reports' },
      notes: { count: 2 },
    });
    expect(JSON.stringify(res.body)).not.toContain(user.access_token);
    expect(owners).toEqual([user.id]);
    const call = watch.gatewayRequests.at(-1)!;
    expect(call.cookie).toBeNull();
    expect(call.status).toBe(200);
    const sent = call.authorization!.replace(/^Bearer /, '');
    expect(sent).not.toBe(user.access_token);
    expect(decodeJwt(sent)).toMatchObject({ sub: user.id, client_id: 'reports', act: { sub: 'reports' }, scope: 'notes:read', sid: decodeJwt(user.access_token).sid });
  });

  it("when the user's token lacks notes:read, then the exchange is refused and reports answers 403 without calling notes", async () => {
    const user = await registerAndLogin(auth.url, 'report-narrow');
    const narrowed = await fetch(`${auth.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: user.refresh_token, client_id: auth.config.FIRST_PARTY_CLIENT_ID, scope: 'reports:read' }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const calls = watch.gatewayRequests.length;
    const res = await get(gateway.url, '/api/reports/summary', narrowed.access_token);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(watch.gatewayRequests).toHaveLength(calls);
  });

  it('when a client-credentials caller asks, then notes is read as client reports, and reports fetched its own token once for repeated calls', async () => {
    const token = await batchToken();
    await store.create({ owner: 'reports', title: 'kept by reports 2', body: '' });
    owners.length = 0;
    const before = watch.tokenRequests.length;
    for (let i = 0; i < 3; i += 1) {
      const res = await get(gateway.url, '/api/reports/summary', token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ requestedBy: { sub: 'batch', clientId: 'batch' }, readAs: { clientId: 'reports' } });
      expect(res.body.readAs).not.toHaveProperty('sub');
    }
    expect(owners).toEqual(['reports', 'reports', 'reports']);
    expect(watch.tokenRequests.length - before).toBeLessThanOrEqual(1);
    expect(decodeJwt(watch.gatewayRequests.at(-1)!.authorization!.replace(/^Bearer /, ''))).toMatchObject({ sub: 'reports', client_id: 'reports' });
  });

  it('when notes refuses the cached client token with 401, then reports renews it and retries exactly once', async () => {
    const port = await freePort();
    const retrying = watchingFetch(`${auth.url}/oauth/token`, { bogusFirstToken: true });
    const second = await startReportsService(reportsConfig(port), { logger: silent, fetch: retrying.fetch });
    try {
      const res = await get(second.url, '/reports/summary', await batchToken());
      expect(res.status).toBe(200);
      expect(retrying.tokenRequests).toHaveLength(2);
      expect(retrying.gatewayRequests.map((r) => r.status)).toEqual([401, 200]);
    } finally {
      await second.close();
    }
  });

  it('when the caller has no token or lacks reports:read, then reports refuses it itself', async () => {
    expect((await get(reports.url, '/reports/summary')).status).toBe(401);
    const clientToken = await fetch(`${auth.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`reports:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const res = await get(reports.url, '/reports/summary', clientToken.access_token);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
  });

  it('when summaries were served, then /metrics counts them by route pattern and status', async () => {
    const res = await fetch(`${reports.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const served = text
      .split('\n')
      .find((line) => line.startsWith('http_requests_total{') && line.includes('route="/reports/summary"') && line.includes('status="200"'));
    expect(served).toBeDefined();
    expect(Number(served!.split(' ').pop())).toBeGreaterThan(0);
  });
});
