import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../../lib/logger.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { createFakeRevocations } from '../lib/verifier/fake-revocations.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';
import { send, waitFor } from './http-client.js';

/** A WebSocket upstream: first message is the upgrade request's headers, then it echoes. */
async function startWsUpstream() {
  const server = http.createServer((_req, res) => res.end('{"plain":true}'));
  const wss = new WebSocketServer({ server });
  let connections = 0;
  wss.on('connection', (ws, req) => {
    connections++;
    ws.send(JSON.stringify({ url: req.url, headers: req.headers }));
    ws.on('message', (data) => ws.send(String(data)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Opened {
  ws: WebSocket;
  first: { url: string; headers: Record<string, string> };
}

/** Opens a socket through the gateway; resolves with the upstream's first message, or rejects with the HTTP status it was refused with. */
function open(base: string, path: string, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, { headers });
    ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body: Buffer.concat(chunks).toString() })));
    });
    ws.once('error', (err) => reject(err));
  });
}

const refusal = (promise: Promise<unknown>) => promise.then(() => ({ status: 0, body: '' }), (err: { status?: number; body?: string }) => ({ status: err.status ?? -1, body: err.body ?? '' }));

let issuer: TestIssuer;
let upstream: Awaited<ReturnType<typeof startWsUpstream>>;
let gateway: RunningGateway;
const revocations = createFakeRevocations();

beforeAll(async () => {
  issuer = await startTestIssuer();
  upstream = await startWsUpstream();
  const env = { UP: upstream.url };
  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/ws', upstream: '${UP}', auth: 'required', cookies: true, scopes: { GET: ['notes:read'] }, websocket: true, stripPrefix: true },
        { prefix: '/open-ws', upstream: '${UP}', auth: 'none', websocket: true },
        { prefix: '/plain', upstream: '${UP}', auth: 'none' },
      ],
    },
    env,
  );
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent', ALLOWED_ORIGINS: 'http://app.example' });
  gateway = await startGateway(config, { routes, env, revocations, logger: createLogger({ name: 'gateway', level: 'silent' }) });
});
afterAll(async () => {
  await gateway.close(500);
  await Promise.all([upstream.close(), issuer.close()]);
});

const bearer = (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${issuer.sign({ claims: { scope: 'notes:read', ...claims } })}` });

describe('WebSocket routes (websocket: true)', () => {
  it('when the upgrade carries a valid Bearer token, then it is tunnelled with the identity headers and frames flow both ways', async () => {
    const { ws, first } = await open(gateway.url, '/ws/feed?x=1', { ...bearer({ sub: 'user-ws', client_id: 'web' }), 'X-Auth-Subject': 'admin', 'X_Auth_Roles': 'admin' });
    expect(first.url).toBe('/feed?x=1');
    expect(first.headers).toMatchObject({ 'x-auth-subject': 'user-ws', 'x-auth-client-id': 'web', 'x-auth-scope': 'notes:read', upgrade: 'websocket' });
    expect(first.headers['x_auth_roles']).toBeUndefined();
    const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send('ping through the gateway');
    expect(await echoed).toBe('ping through the gateway');
    ws.close();
  });

  it.each<[string, () => Record<string, string>, number]>([
    ['no token', () => ({}), 401],
    ['a tampered token', () => ({ authorization: `Bearer ${issuer.sign().slice(0, -4)}AAAA` }), 401],
    ['a token without notes:read', () => ({ authorization: `Bearer ${issuer.sign({ claims: { scope: 'notes:write' } })}` }), 403],
  ])('when the upgrade has %s, then it is refused with JSON and the upstream never sees it', async (_name, headers, status) => {
    const before = upstream.connections();
    const refused = await refusal(open(gateway.url, '/ws/feed', headers()));
    expect(refused.status).toBe(status);
    expect(JSON.parse(refused.body)).toMatchObject({ error: expect.any(String) });
    expect(upstream.connections()).toBe(before);
  });

  it.each([
    ['an allowed Origin', { origin: 'http://app.example' }, 0],
    ['another site\'s Origin', { origin: 'http://evil.example' }, 403],
    ['no Origin', {}, 403],
  ])('when a cookie-authenticated upgrade has %s, then the answer is %s (0: opened)', async (_name, headers, status) => {
    const cookie = `access_token=${issuer.sign({ claims: { scope: 'notes:read' } })}`;
    const attempt = open(gateway.url, '/ws/feed', { cookie, ...headers });
    const outcome = await refusal(attempt);
    expect(outcome.status).toBe(status);
    if (status === 0) (await attempt).ws.close();
  });

  it('when a route does not say websocket: true, then the upgrade is refused with 400', async () => {
    const refused = await refusal(open(gateway.url, '/plain/x'));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error_description: 'this route does not take WebSocket upgrades' });
    // A plain request on that route still works.
    expect((await send(gateway.url, { path: '/plain/x' })).status).toBe(200);
  });

  it('when a public route takes websockets, then no token is needed and spoofed identity is still stripped', async () => {
    const { ws, first } = await open(gateway.url, '/open-ws', { 'X-Auth-Subject': 'admin' });
    expect(first.headers['x-auth-subject']).toBeUndefined();
    ws.close();
  });

  it('when the token expires while the socket is open, then the gateway closes the socket', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const { ws } = await open(gateway.url, '/ws/feed', bearer({ exp }));
    let closedAt = 0;
    ws.once('close', () => (closedAt = Date.now()));
    await waitFor(() => closedAt > 0, { timeoutMs: 6_000 });
    expect(closedAt).toBeGreaterThanOrEqual(exp * 1000 - 1_000);
  });

  it('when the token is revoked while the socket is open, then the socket is closed within about a second', async () => {
    const jti = `ws-revoke-${Date.now()}`;
    const { ws } = await open(gateway.url, '/ws/feed', bearer({ jti }));
    let closed = false;
    ws.once('close', () => (closed = true));
    revocations.revoke(jti);
    await waitFor(() => closed, { timeoutMs: 3_000 });
  });

  it('when the login session of the token is revoked while the socket is open (lock, logout), then the socket is closed within a second, and one of another session stays open', async () => {
    const sid = `ws-session-${Date.now()}`;
    const { ws } = await open(gateway.url, '/ws/feed', bearer({ sid }));
    const other = await open(gateway.url, '/ws/feed', bearer({ sid: `${sid}-other` }));
    let closed = false;
    ws.once('close', () => (closed = true));
    revocations.revokeSession(sid);
    await waitFor(() => closed, { timeoutMs: 1_000 });
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    other.ws.close();
  });
});
