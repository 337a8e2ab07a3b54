import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { MAX_ORIGINAL_URI } from '../../gateway/decision-request.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { createLogger } from '../../lib/logger.js';
import type { GatewayFixture } from './gateway-fixture.js';
import { useGatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

/**
 * Issue 27, point 4: a decision request that does not say plainly which one request it is about
 * is refused with 400 (never an allow), each with a token that would be allowed on a well-formed
 * question, so a 400 is not a mere "no token".
 */
let fx: GatewayFixture;
useGatewayFixture((fixture) => (fx = fixture));

type Headers = Array<[string, string]>;
const token = () => fx.issuer.sign({ claims: { scope: 'notes:read notes:write', roles: ['admin'] } });

const nginx = (method: string | undefined, uri: string | undefined, extra: Headers = []): Headers => [
  ...(method === undefined ? [] : [['X-Original-Method', method] as [string, string]]),
  ...(uri === undefined ? [] : [['X-Original-URI', uri] as [string, string]]),
  ...extra,
];
const forward = (method: string | undefined, uri: string | undefined, extra: Headers = []): Headers => [
  ...(method === undefined ? [] : [['X-Forwarded-Method', method] as [string, string]]),
  ...(uri === undefined ? [] : [['X-Forwarded-Uri', uri] as [string, string]]),
  ...extra,
];

const cases: Array<{ name: string; path: string; method?: string; headers: Headers }> = [
  { name: 'auth-request without X-Original-Method', path: '/decide/auth-request', headers: nginx(undefined, '/public') },
  { name: 'auth-request without X-Original-URI', path: '/decide/auth-request', headers: nginx('GET', undefined) },
  { name: 'forward-auth without X-Forwarded-Method', path: '/decide/forward-auth', headers: forward(undefined, '/public') },
  { name: 'forward-auth without X-Forwarded-Uri', path: '/decide/forward-auth', headers: forward('GET', undefined) },
  { name: 'an empty original URI', path: '/decide/auth-request', headers: nginx('GET', '') },
  { name: 'ext-authz without the original path', path: '/decide/ext-authz', headers: [] },
  { name: 'an original method that is not HTTP', path: '/decide/auth-request', headers: nginx('FETCH', '/public') },
  { name: 'a URI not starting with /', path: '/decide/auth-request', headers: nginx('GET', 'public') },
  { name: 'an absolute-form URI to another host', path: '/decide/auth-request', headers: nginx('GET', 'http://evil.example/public') },
  { name: 'an asterisk-form URI', path: '/decide/forward-auth', headers: forward('OPTIONS', '*') },
  { name: 'a percent-encoded NUL', path: '/decide/auth-request', headers: nginx('GET', '/public/%00') },
  { name: 'a bad percent-escape', path: '/decide/auth-request', headers: nginx('GET', '/public/%zz') },
  { name: 'a truncated percent-escape', path: '/decide/forward-auth', headers: forward('GET', '/public/%4') },
  { name: 'an encoded CR LF', path: '/decide/auth-request', headers: nginx('GET', '/public/%0d%0aX-Auth-Subject:%20admin') },
  { name: 'a tab in the URI', path: '/decide/auth-request', headers: nginx('GET', '/public/\tx') },
  { name: 'an over-long URI', path: '/decide/auth-request', headers: nginx('GET', `/public/${'a'.repeat(MAX_ORIGINAL_URI)}`) },
  { name: 'two X-Original-URI', path: '/decide/auth-request', headers: nginx('GET', '/public', [['X-Original-URI', '/admin']]) },
  { name: 'two X-Forwarded-Uri', path: '/decide/forward-auth', headers: forward('GET', '/public', [['X-Forwarded-Uri', '/admin']]) },
  { name: 'two X-Original-Method', path: '/decide/auth-request', headers: nginx('GET', '/public', [['X-Original-Method', 'POST']]) },
  { name: 'two URIs joined by a comma', path: '/decide/auth-request', headers: nginx('GET', '/public, /admin') },
  { name: 'two paths joined by a bare comma', path: '/decide/forward-auth', headers: forward('GET', '/public,/admin') },
  { name: 'a fragment', path: '/decide/auth-request', headers: nginx('GET', '/admin#/public') },
  { name: 'a dot-segment escape (as on the proxy port)', path: '/decide/auth-request', headers: nginx('GET', '/public/../admin') },
  { name: 'an encoded dot-segment escape (as on the proxy port)', path: '/decide/forward-auth', headers: forward('GET', '/public/%2e%2e/admin') },
  { name: 'ext-authz with an encoded NUL', path: '/decide/ext-authz/public/%00', headers: [] },
  { name: 'ext-authz with a dot-segment escape', path: '/decide/ext-authz/public/%2E%2E/admin', headers: [] },
  { name: 'an X-Forwarded-Proto that is no scheme', path: '/decide/forward-auth', headers: forward('GET', '/public', [['X-Forwarded-Proto', 'javascript']]) },
  { name: 'two X-Forwarded-Host', path: '/decide/forward-auth', headers: forward('GET', '/public', [['X-Forwarded-Host', 'a.example'], ['X-Forwarded-Host', 'b.example']]) },
  { name: 'an X-Forwarded-Host with a path', path: '/decide/forward-auth', headers: forward('GET', '/public', [['X-Forwarded-Host', 'a.example/admin']]) },
];

describe('decision endpoints: bad input', () => {
  it.each(cases)('when a decision request has $name, then 400 invalid_request, never an allow', async ({ name, path, method, headers }) => {
    const res = await send(fx.gateway.decisionUrl, { path, ...(method ? { method } : {}), headers: [['Authorization', `Bearer ${token()}`], ...headers] });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    expect(res.headers['x-auth-subject']).toBeUndefined();
    // A header sent twice is named as such, not as the bad value its joined lines make.
    if (/^two X-/.test(name)) expect((res.json() as { error_description: string }).error_description).toMatch(/was sent more than once$/);
  });

  it('when a header value carries a raw CR before a second header, then the request is refused before any decision', async () => {
    const url = new URL(fx.gateway.decisionUrl);
    const head = `GET /decide/auth-request HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token()}\r\nX-Original-Method: GET\r\nX-Original-URI: /public\rX-Original-URI: /admin\r\nConnection: close\r\n\r\n`;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => socket.end(head));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });
});

/** An address of this machine that is not loopback: a peer connecting through it is not trusted by default. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;
if (outsideAddress === undefined) console.warn('[skip] untrusted-peer decision tests: this machine has no non-loopback IPv4 address');

describe.runIf(outsideAddress !== undefined)('decision endpoints: who may ask', () => {
  const gateways: RunningGateway[] = [];
  afterAll(() => Promise.all(gateways.map((gateway) => gateway.close(500))));
  let issuerToken: string;
  beforeAll(() => {
    issuerToken = token();
  });

  async function gatewayTrusting(trustedProxies: string): Promise<string> {
    const routes = parseRoutes({ routes: [{ prefix: '/public', upstream: '${UP}', auth: 'none' }, { prefix: '/api/notes', upstream: '${UP}', auth: 'required' }] }, { UP: fx.upstream.url });
    const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', HOST: '0.0.0.0', AUTH_ISSUER: fx.issuer.issuer, TRUSTED_PROXIES: trustedProxies, LOG_LEVEL: 'silent' });
    const gateway = await startGateway(config, { routes, env: { UP: fx.upstream.url }, logger: createLogger({ name: 'gateway', level: 'silent' }) });
    gateways.push(gateway);
    return `http://${outsideAddress}:${new URL(gateway.decisionUrl).port}`;
  }

  const forged = (): Headers => [
    ['Authorization', `Bearer ${issuerToken}`],
    ['X-Forwarded-Method', 'GET'],
    ['X-Forwarded-Uri', '/api/notes'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-Host', 'app.example'],
    ['X-Forwarded-For', '127.0.0.1'],
  ];

  it('when a peer outside loopback and TRUSTED_PROXIES asks, with forged X-Forwarded-* and a valid token, then 403 and no identity', async () => {
    const base = await gatewayTrusting('');
    for (const path of ['/decide/forward-auth', '/decide/auth-request', '/decide/ext-authz/public']) {
      const res = await send(base, { path, headers: [...forged(), ['X-Original-Method', 'GET'], ['X-Original-URI', '/public']] });
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ error: 'forbidden' });
      expect(res.headers['x-auth-subject']).toBeUndefined();
    }
  });

  it('when that peer is listed in TRUSTED_PROXIES, then its question is answered', async () => {
    const base = await gatewayTrusting(`${outsideAddress}/32`);
    const res = await send(base, { path: '/decide/forward-auth', headers: forged() });
    expect(res.status).toBe(200);
    expect(res.headers['x-auth-subject']).toBe('user-1');
  });
});
