import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { registerRevocationFeedGauge } from '../../lib/revocation/feed-observability.js';
import { createHttpRevocationList } from '../../lib/revocation/http-revocation-list.js';
import { REVOCATION_FEED_PATH } from '../../lib/revocation/revocation-entry.js';
import { requireFeed } from '../../lib/revocation/open-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { openEmbeddedTokenStore, type EmbeddedTokenStore } from '../../services/auth/adapters/embedded/embedded-token-store.js';
import { pollUntil } from '../auth/contracts/poll.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { startGatewayFixture, type GatewayFixture } from '../gateway/gateway-fixture.js';
import { send } from '../gateway/http-client.js';
import { freePort } from '../support/free-port.js';

const FEED_TOKEN = randomBytes(32).toString('base64url');
const newJti = () => `jti-${randomBytes(8).toString('hex')}`;
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

/** Auth on a fixed port over one data dir, so a test can stop and restart it like an operator would. */
let dataDir: string;
let auth: TestAuth | undefined;
let store: EmbeddedTokenStore;
let port = 0;

async function startAuth(env: Record<string, string> = { REVOCATION_FEED_TOKEN: FEED_TOKEN }): Promise<TestAuth> {
  store = await openEmbeddedTokenStore(dataDir);
  auth = await startTestAuth({ dataDir, tokens: store, env: { ...env, AUTH_PORT: String(port) } });
  port = auth.port;
  return auth;
}

async function stopAuth(): Promise<void> {
  await auth?.close();
  auth = undefined;
}

const warnings: Array<{ obj: unknown; msg: string }> = [];
const logger = {
  info: () => {},
  warn: (obj: unknown, msg?: string) => void warnings.push({ obj, msg: msg ?? '' }),
} as unknown as Logger;

const lists: RevocationList[] = [];
function openList(): RevocationList {
  const list = createHttpRevocationList({ authUrl: auth?.url ?? `http://127.0.0.1:${port}`, token: FEED_TOKEN, logger, retryMinMs: 50, retryMaxMs: 200 });
  lists.push(list);
  return list;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'revocation-feed-'));
  // Reserved below the ephemeral range: a port from listen(0) could go to an outgoing connection
  // (the feed's own reconnects) while auth is stopped, and the restart would fail with EADDRINUSE.
  port = await freePort();
  await startAuth();
});
afterEach(async () => {
  await Promise.all(lists.splice(0).map((list) => list.close()));
  if (!auth) await startAuth();
});
afterAll(async () => {
  await stopAuth();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the HTTP revocation feed', () => {
  it('when auth denies a token, then a connected verifier refuses it within one second', async () => {
    const list = openList();
    await list.ready();
    const jti = newJti();
    expect(list.isRevoked(jti)).toBe(false);

    await store.denyAccessToken(jti, inSeconds(600));

    await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, intervalMs: 10, what: 'the revocation to arrive' });
    expect(list.status()).toMatchObject({ source: 'auth', up: true, loaded: true });
  });

  it('when a verifier starts after tokens were denied, then it knows them once ready', async () => {
    const jti = newJti();
    await store.denyAccessToken(jti, inSeconds(600));

    const list = openList();
    await list.ready();

    expect(list.isRevoked(jti)).toBe(true);
    expect(list.isRevoked(newJti())).toBe(false);
  });

  it('when more revocations exist than fit one page, then a late verifier still gets every one before it is ready', async () => {
    const jtis = Array.from({ length: 6_000 }, newJti);
    await Promise.all(jtis.map((jti) => store.denyAccessToken(jti, inSeconds(600))));

    const list = openList();
    await list.ready();

    expect(jtis.every((jti) => list.isRevoked(jti))).toBe(true);
  });

  it('when a denied token reaches its deadline, then the verifier and the feed forget it', async () => {
    const list = openList();
    await list.ready();
    const jti = newJti();
    // Epoch seconds: floor(now) + 1 can be a few ms away, gone before it arrives; + 2 is at least a second.
    await store.denyAccessToken(jti, inSeconds(2));
    await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, what: 'the revocation to arrive' });

    await pollUntil(() => !list.isRevoked(jti), { timeoutMs: 4_000, what: 'the revocation to expire' });
    const page = store.denylist.readAfter(undefined, 100_000)!;
    expect(page.entries.some((entry) => entry.value === jti)).toBe(false);
  });

  it('when auth restarts, then the verifier resumes by itself, still refuses what was revoked before, and hears what is revoked after', async () => {
    const list = openList();
    await list.ready();
    const before = newJti();
    await store.denyAccessToken(before, inSeconds(600));
    await pollUntil(() => list.isRevoked(before), { timeoutMs: 1_000, what: 'the first revocation' });
    warnings.length = 0;

    await stopAuth();
    await pollUntil(() => !list.status().up, { what: 'the feed to be reported down' });
    // Several failed reconnects happen meanwhile: still one warning for the outage.
    await pollUntil(() => list.status().reason !== undefined && warnings.length > 0, { what: 'the outage warning' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(warnings.filter((w) => w.msg.startsWith('revocation feed down'))).toHaveLength(1);

    await startAuth();
    const after = newJti();
    await store.denyAccessToken(after, inSeconds(600));

    await pollUntil(() => list.isRevoked(after) && list.status().up, { timeoutMs: 3_000, what: 'the feed to resume' });
    expect(list.isRevoked(before)).toBe(true);
    // A verifier that starts only now learns the revocation made before the restart from auth's data dir.
    const fresh = openList();
    await fresh.ready();
    expect(fresh.isRevoked(before)).toBe(true);
  });

  it('when auth is down, then revocation_feed_up is 0, and 1 again once it is back', async () => {
    const list = openList();
    await list.ready();
    const metrics = createMetrics({ service: 'test', defaultMetrics: false });
    registerRevocationFeedGauge(metrics, list);
    const gauge = async () => (await metrics.registry.getSingleMetricAsString('revocation_feed_up')).split('\n').find((line) => line.startsWith('revocation_feed_up{'));
    expect(await gauge()).toMatch(/source="auth".* 1$/);

    await stopAuth();
    await pollUntil(async () => /source="auth".* 0$/.test((await gauge()) ?? ''), { what: 'the gauge to drop' });
    await startAuth();
    await pollUntil(async () => /source="auth".* 1$/.test((await gauge()) ?? ''), { timeoutMs: 3_000, what: 'the gauge to recover' });
  });

  it('when a verifier starts while auth is unreachable, then ready rejects with the cause and the list keeps retrying', async () => {
    await stopAuth();
    const list = openList();
    await expect(list.ready()).rejects.toThrow(/fetch failed|ECONNREFUSED/);
    expect(list.status()).toMatchObject({ up: false, loaded: false });
    await startAuth();
    await pollUntil(() => list.status().loaded, { timeoutMs: 3_000, what: 'the first load after auth came up' });
  });
});

describe('who may read the feed', () => {
  const feed = (query = '', headers: Record<string, string> = { authorization: `Bearer ${FEED_TOKEN}` }) =>
    fetch(`${auth!.url}${REVOCATION_FEED_PATH}${query}`, { headers });

  it.each([
    { name: 'no credential', headers: {} as Record<string, string>, status: 401, code: 'unauthorized' },
    { name: 'a wrong token', headers: { authorization: `Bearer ${FEED_TOKEN}x` }, status: 401, code: 'invalid_token' },
    { name: 'Basic instead of Bearer', headers: { authorization: `Basic ${Buffer.from(`x:${FEED_TOKEN}`).toString('base64')}` }, status: 401, code: 'invalid_token' },
  ])('when the request carries $name, then it gets $status', async ({ headers, status, code }) => {
    const res = await feed('', headers);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toBe(code);
  });

  it.each([
    { name: 'a cursor of another format', query: '?after=not-a-cursor' },
    { name: 'an empty cursor', query: '?after=' },
    { name: 'two cursors', query: '?after=a&after=b' },
    { name: 'a negative wait', query: '?wait=-1' },
    { name: 'a wait over 30 s', query: '?wait=31' },
    { name: 'a fractional wait', query: '?wait=1.5' },
  ])('when the request has $name, then it gets 400 invalid_request', async ({ query }) => {
    const res = await feed(query);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('when a cursor from an earlier run is presented, then the answer starts over with reset', async () => {
    const res = await feed('?after=AAAAAAAA.12');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ reset: true });
  });

  it('when REVOCATION_FEED_TOKEN is not set on auth, then the feed does not exist', async () => {
    await stopAuth();
    await startAuth({});
    expect((await feed()).status).toBe(404);
    await stopAuth();
  });
});

describe('a gateway on the HTTP feed', () => {
  let f: GatewayFixture;
  afterEach(() => f?.close());

  it('when the feed is down, then /readyz stays 200 and says degraded, with the feed state in details', async () => {
    const list = openList();
    f = await startGatewayFixture({ revocations: list });
    await list.ready();
    const ready = await send(f.gateway.url, { path: '/readyz' });
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ checks: { revocation_feed: 'ok' }, details: { revocation_feed: { source: 'auth', up: true } } });

    await stopAuth();
    await pollUntil(() => !list.status().up, { what: 'the feed to be reported down' });
    const degraded = await send(f.gateway.url, { path: '/readyz' });
    expect(degraded.status).toBe(200);
    expect(degraded.json()).toMatchObject({ status: 'ready', checks: { revocation_feed: 'degraded' }, details: { revocation_feed: { up: false } } });
    expect((degraded.json() as any).details.revocation_feed.down_since).toMatch(/^\d{4}-/);
  });

  it('when the gateway starts cold and the feed was never read, then /readyz is 503', async () => {
    await stopAuth();
    const list = openList();
    f = await startGatewayFixture({ revocations: list });
    const res = await send(f.gateway.url, { path: '/readyz' });
    expect(res.status).toBe(503);
    expect((res.json() as any).checks.revocation_feed).toMatch(/^revocation state not loaded yet/);
  });

  it('when REVOCATION_FEED_REQUIRED and the feed is down, then tokens get 503 temporarily_unavailable, and pass again once it is back', async () => {
    const list = openList();
    f = await startGatewayFixture({ revocations: requireFeed(list) });
    await list.ready();
    const headers: Array<[string, string]> = [['Authorization', `Bearer ${f.issuer.sign()}`]];
    expect((await send(f.gateway.url, { path: '/api/notes', headers })).status).toBe(200);

    await stopAuth();
    await pollUntil(() => !list.status().up, { what: 'the feed to be reported down' });
    const refused = await send(f.gateway.url, { path: '/api/notes', headers });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: 'temporarily_unavailable' });

    await startAuth();
    await pollUntil(() => list.status().up, { timeoutMs: 3_000, what: 'the feed to recover' });
    expect((await send(f.gateway.url, { path: '/api/notes', headers })).status).toBe(200);
  });
});
