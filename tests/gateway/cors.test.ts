import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { send } from './http-client.js';

let issuer: TestIssuer;
let upstream: EchoUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  issuer = await startTestIssuer();
  upstream = await startEchoUpstream();
  const env = { UP: upstream.url };
  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/api', upstream: '${UP}', auth: 'required', cors: { origins: ['https://spa.example', 'http://localhost:3000'], maxAgeSeconds: 120 } },
        { prefix: '/session', upstream: '${UP}', auth: 'required', cookies: true, cors: { origins: ['https://spa.example'], credentials: true } },
        { prefix: '/no-cors', upstream: '${UP}', auth: 'none' },
      ],
    },
    env,
  );
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent', ALLOWED_ORIGINS: 'https://app.example' });
  gateway = await startGateway(config, { routes, env, logger: createLogger({ name: 'gateway', level: 'silent' }) });
});
afterAll(async () => {
  await gateway.close(500);
  await Promise.all([upstream.close(), issuer.close()]);
});
beforeEach(() => {
  upstream.received.length = 0;
});

const preflight = (path: string, origin: string, method = 'POST', requestHeaders = 'authorization, content-type'): Array<[string, string]> => [
  ['Origin', origin],
  ['Access-Control-Request-Method', method],
  ['Access-Control-Request-Headers', requestHeaders],
];

describe('CORS per route (cors:)', () => {
  it('when a listed origin sends a preflight, then the gateway answers 204 without a token and the upstream sees nothing', async () => {
    const res = await send(gateway.url, { method: 'OPTIONS', path: '/api/items', headers: preflight('/api/items', 'https://spa.example') });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': 'https://spa.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '120',
    });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.vary).toMatch(/Origin/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(upstream.received).toEqual([]);
  });

  it.each([
    ['an unlisted origin', 'https://evil.example', 'POST'],
    ['a listed origin with a trailing slash (origins match exactly)', 'https://spa.example/', 'POST'],
    ['a listed origin on another scheme', 'http://spa.example', 'POST'],
    ['a method no API uses', 'https://spa.example', 'CONNECT'],
  ])('when the preflight comes from %s, then 403 without Allow-Origin, and the upstream sees nothing', async (_name, origin, method) => {
    const res = await send(gateway.url, { method: 'OPTIONS', path: '/api/items', headers: preflight('/api/items', origin, method) });
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
    expect(upstream.received).toEqual([]);
  });

  it('when a listed origin sends the actual request, then the answer carries Allow-Origin and Vary: Origin, the token is still checked', async () => {
    const refused = await send(gateway.url, { path: '/api/items', headers: [['Origin', 'https://spa.example']] });
    expect(refused.status).toBe(401);
    // The browser may read the error, so the page can tell the user to log in.
    expect(refused.headers['access-control-allow-origin']).toBe('https://spa.example');
    expect(refused.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);
    const ok = await send(gateway.url, { path: '/api/items', headers: [['Origin', 'https://spa.example'], ['Authorization', `Bearer ${issuer.sign()}`]] });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://spa.example');
    expect(ok.headers.vary).toMatch(/Origin/);
  });

  it('when an unlisted origin sends the actual request, then no Allow-Origin (the browser hides the answer)', async () => {
    const res = await send(gateway.url, { path: '/api/items', headers: [['Origin', 'https://evil.example'], ['Authorization', `Bearer ${issuer.sign()}`]] });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('when the route allows credentials, then Allow-Credentials: true; a cookie write from that origin still needs the CSRF proof', async () => {
    const pre = await send(gateway.url, { method: 'OPTIONS', path: '/session/x', headers: preflight('/session/x', 'https://spa.example') });
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    // CORS lets the page read answers; it does not put spa.example in ALLOWED_ORIGINS.
    const write = await send(gateway.url, {
      method: 'POST',
      path: '/session/x',
      headers: [['Origin', 'https://spa.example'], ['Cookie', `access_token=${issuer.sign()}; csrf_token=abc`], ['X-CSRF-Token', 'abc'], ['Content-Type', 'application/json']],
      body: '{}',
    });
    expect(write.status).toBe(403);
    expect(upstream.received).toEqual([]);
  });

  it('when a route has no cors:, then an OPTIONS request is routed like any other and no CORS headers are added', async () => {
    const res = await send(gateway.url, { method: 'OPTIONS', path: '/no-cors/x', headers: preflight('/no-cors/x', 'https://spa.example') });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(upstream.received).toHaveLength(1);
  });
});
