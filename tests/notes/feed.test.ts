import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../../lib/logger.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { loadRoutesFile } from '../../lib/edge/route-config.js';
import { loadNotesConfig } from '../../services/notes/config.js';
import { startNotesService, type RunningNotesService } from '../../services/notes/notes-service.js';
import { send, waitFor } from '../gateway/http-client.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';

let issuer: TestIssuer;
let notes: RunningNotesService;
let gateway: RunningGateway;

beforeAll(async () => {
  issuer = await startTestIssuer();
  notes = await startNotesService(loadNotesConfig({ NOTES_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent' }), { logger: createLogger({ name: 'notes', level: 'silent' }) });
  // The shipped routes file: /api/notes is a websocket route, so the feed works through the stack.
  const env = { NOTES_URL: notes.url, AUTH_URL: issuer.issuer };
  const routes = await loadRoutesFile('gateway/routes.yaml', env);
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer.issuer, AUTH_URL: issuer.issuer, LOG_LEVEL: 'silent', ALLOWED_ORIGINS: 'http://app.example' });
  gateway = await startGateway(config, { routes, env, logger: createLogger({ name: 'gateway', level: 'silent' }) });
});
afterAll(async () => {
  await gateway.close(500);
  await notes.close(500);
  await issuer.close();
});

const ws = (base: string) => base.replace(/^http/, 'ws');

/** Opens a feed and collects its messages; rejects with the HTTP status when refused. */
function openFeed(url: string, headers: Record<string, string>): Promise<{ socket: WebSocket; messages: unknown[]; closed: () => { code: number } | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: unknown[] = [];
    let closed: { code: number } | undefined;
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.once('close', (code) => (closed = { code }));
    socket.once('open', () => resolve({ socket, messages, closed: () => closed }));
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
}
const statusOf = (promise: Promise<unknown>) => promise.then(() => 101, (err: { status?: number }) => err.status ?? -1);

describe('notes WebSocket feed (GET /notes/feed)', () => {
  it('when a user watches the feed through the gateway and adds a note (cookie session), then the note arrives on the socket; other users see nothing', async () => {
    const alice = issuer.sign({ claims: { sub: 'alice-feed', scope: 'notes:read notes:write' } });
    const bob = issuer.sign({ claims: { sub: 'bob-feed', scope: 'notes:read' } });
    const aliceFeed = await openFeed(`${ws(gateway.url)}/api/notes/feed`, { cookie: `access_token=${alice}`, origin: 'http://app.example' });
    const bobFeed = await openFeed(`${ws(gateway.url)}/api/notes/feed`, { authorization: `Bearer ${bob}` });
    const created = await send(gateway.url, { method: 'POST', path: '/api/notes', headers: [['Authorization', `Bearer ${alice}`], ['Content-Type', 'application/json']], body: JSON.stringify({ title: 'live', body: 'pushed' }) });
    expect(created.status).toBe(201);
    await waitFor(() => aliceFeed.messages.length === 1);
    expect(aliceFeed.messages[0]).toMatchObject({ type: 'note', note: { title: 'live', body: 'pushed', id: (created.json() as { id: string }).id } });
    expect(bobFeed.messages).toEqual([]);
    aliceFeed.socket.close();
    bobFeed.socket.close();
  });

  it.each([
    ['no token', {}, 401],
    ['a malformed token', { authorization: 'Bearer x' }, 401],
  ])('when the notes service itself gets an upgrade with %s, then it refuses (it verifies by itself)', async (_name, headers, status) => {
    expect(await statusOf(openFeed(`${ws(notes.url)}/notes/feed`, headers as Record<string, string>))).toBe(status);
  });

  it('when GET /notes/feed comes without Upgrade, then 426 naming WebSocket', async () => {
    const res = await send(notes.url, { path: '/notes/feed', headers: [['Authorization', `Bearer ${issuer.sign({ claims: { scope: 'notes:read' } })}`]] });
    expect(res.status).toBe(426);
    expect(res.json()).toMatchObject({ error_description: expect.stringMatching(/WebSocket/) });
  });

  it('when the token expires, then the notes service closes its feed with 1008', async () => {
    const feed = await openFeed(`${ws(notes.url)}/notes/feed`, { authorization: `Bearer ${issuer.sign({ claims: { scope: 'notes:read', exp: Math.floor(Date.now() / 1000) + 1 } })}` });
    await waitFor(() => feed.closed() !== undefined, { timeoutMs: 4_000 });
    expect(feed.closed()).toEqual({ code: 1008 });
  });
});
