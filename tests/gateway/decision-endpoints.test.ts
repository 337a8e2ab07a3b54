import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import type { GatewayFixture } from './gateway-fixture.js';
import { useGatewayFixture } from './gateway-fixture.js';
import { send, type RawResponse } from './http-client.js';
import { dpopKey } from '../support/dpop-key.js';

/**
 * The decision port (issue 27, point 1) gives the answer the proxy port gives the same request:
 * each row is sent through the proxy port and asked of each of the three decision endpoints, and
 * status, challenge and error must match (a proxied 200 is a decision 200).
 */
let fx: GatewayFixture;
useGatewayFixture((fixture) => (fx = fixture));

type Headers = Array<[string, string]>;
type Flavour = 'auth-request' | 'forward-auth' | 'ext-authz';
const FLAVOURS: Flavour[] = ['auth-request', 'forward-auth', 'ext-authz'];

/** Asks the decision port about `method uri` with the original request's `headers`, as each ingress asks. */
function ask(flavour: Flavour, method: string, uri: string, headers: Headers = []): Promise<RawResponse> {
  const base = fx.gateway.decisionUrl;
  if (flavour === 'auth-request') return send(base, { path: '/decide/auth-request', headers: [['X-Original-Method', method], ['X-Original-URI', uri], ...headers] });
  if (flavour === 'forward-auth') return send(base, { path: '/decide/forward-auth', headers: [['X-Forwarded-Method', method], ['X-Forwarded-Uri', uri], ['X-Forwarded-Proto', 'http'], ['X-Forwarded-Host', 'app.example'], ...headers] });
  return send(base, { method, path: `/decide/ext-authz${uri}`, headers });
}

const bearer = (token: string): Headers => [['Authorization', `Bearer ${token}`]];
const reader = () => fx.issuer.sign({ claims: { scope: 'notes:read' } });
const writer = () => fx.issuer.sign({ claims: { scope: 'notes:read notes:write' } });

const rows: Array<{ name: string; proxied: number | undefined; method: string; uri: string; headers: () => Headers }> = [
  { name: 'no token on a protected route', proxied: 401, method: 'GET', uri: '/api/notes', headers: () => [] },
  { name: 'a valid token with the scope', proxied: 200, method: 'GET', uri: '/api/notes?x=1', headers: () => bearer(reader()) },
  { name: 'a token without the method\'s scope', proxied: 403, method: 'POST', uri: '/api/notes', headers: () => bearer(reader()) },
  { name: 'a token with the write scope', proxied: 200, method: 'POST', uri: '/api/notes', headers: () => bearer(writer()) },
  { name: 'a token without the route\'s role', proxied: 403, method: 'GET', uri: '/admin/x', headers: () => bearer(writer()) },
  { name: 'a token with the route\'s role', proxied: 200, method: 'GET', uri: '/admin/x', headers: () => bearer(fx.issuer.sign({ claims: { roles: ['admin'] } })) },
  { name: 'an expired token', proxied: 401, method: 'GET', uri: '/api/notes', headers: () => bearer(fx.issuer.sign({ claims: { exp: Math.floor(Date.now() / 1000) - 600 } })) },
  { name: 'a token of another issuer\'s shape', proxied: 401, method: 'GET', uri: '/api/notes', headers: () => bearer('a.b.c') },
  { name: 'a public route', proxied: 200, method: 'GET', uri: '/public/page', headers: () => [] },
  { name: 'an optional route without a token', proxied: 200, method: 'GET', uri: '/optional', headers: () => [] },
  { name: 'no route', proxied: 404, method: 'GET', uri: '/nowhere', headers: () => bearer(writer()) },
  { name: 'a cookie write without the CSRF proof', proxied: 403, method: 'POST', uri: '/browser/x', headers: () => [['Cookie', `access_token=${writer()}`], ['Origin', 'http://evil.example']] },
  { name: 'a cookie read', proxied: 200, method: 'GET', uri: '/browser/x', headers: () => [['Cookie', `access_token=${writer()}`]] },
  { name: 'a dot-segment escape to another route', proxied: 400, method: 'GET', uri: '/public/../admin/x', headers: () => [] },
  { name: 'an encoded dot-segment escape', proxied: 400, method: 'GET', uri: '/public/%2e%2e/admin/x', headers: () => [] },
  { name: 'a doubled slash', proxied: undefined, method: 'GET', uri: '//admin/x', headers: () => [] },
  { name: 'a doubled slash inside', proxied: 200, method: 'GET', uri: '/public//x', headers: () => [] },
  { name: 'an encoded slash', proxied: 400, method: 'GET', uri: '/public%2fadmin', headers: () => [] },
  { name: 'a matrix parameter hiding a route', proxied: 400, method: 'GET', uri: '/public;x=1/../admin', headers: () => [] },
  { name: 'a delegated token on a route refusing delegation', proxied: 403, method: 'GET', uri: '/direct', headers: () => bearer(fx.issuer.sign({ claims: { act: { sub: 'svc' } } })) },
];

function outcome(res: RawResponse) {
  const body = res.text === '' ? undefined : (res.json() as { error?: string });
  return { status: res.status, challenge: res.headers['www-authenticate'], error: res.status === 200 ? undefined : body?.error };
}

describe('decision endpoints: the proxy port\'s decision', () => {
  for (const flavour of FLAVOURS) {
    it.each(rows)(`when ${flavour} is asked about $name, then it answers as the proxy port does`, async ({ method, uri, headers, proxied: status }) => {
      const sent = headers();
      const proxied = await send(fx.gateway.url, { method, path: uri, headers: sent });
      if (status !== undefined) expect(proxied.status).toBe(status);
      const decided = await ask(flavour, method, uri, sent);
      expect(outcome(decided)).toEqual(outcome(proxied));
    });
  }

  it.each(FLAVOURS)('when %s allows a token, then the answer carries the identity headers and no body', async (flavour) => {
    const token = fx.issuer.sign({ claims: { sub: 'alice', scope: 'notes:read', roles: ['user', 'editor'], act: { sub: 'svc-a' } } });
    const res = await ask(flavour, 'GET', '/api/notes', bearer(token));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers).toMatchObject({ 'x-auth-subject': 'alice', 'x-auth-scope': 'notes:read', 'x-auth-roles': 'user,editor', 'x-auth-actor': 'svc-a', 'cache-control': 'no-store' });
    expect(res.headers['x-auth-client-id']).toEqual(expect.any(String));
    expect(fx.upstream.received).toHaveLength(0);
  });

  it.each(FLAVOURS)('when %s allows a public route, then 200 without identity headers, even with a token and a spoofed X-Auth-Subject', async (flavour) => {
    const res = await ask(flavour, 'GET', '/public', [...bearer(reader()), ['X-Auth-Subject', 'admin']]);
    expect(res.status).toBe(200);
    expect(Object.keys(res.headers).filter((name) => name.startsWith('x-auth-'))).toEqual([]);
  });

  it('when a DPoP-bound token comes with a proof for the original URL, then forward-auth allows it, and a proof for another URL is refused', async () => {
    const key = await dpopKey();
    const token = fx.issuer.sign({ claims: { scope: 'notes:read', cnf: { jkt: key.jkt } } });
    const forwardAuth = async (htu: string) =>
      send(fx.gateway.decisionUrl, {
        path: '/decide/forward-auth',
        headers: [
          ['X-Forwarded-Method', 'GET'],
          ['X-Forwarded-Uri', '/api/notes?page=2'],
          ['X-Forwarded-Proto', 'https'],
          ['X-Forwarded-Host', 'app.example'],
          ['Authorization', `DPoP ${token}`],
          ['DPoP', await key.proof({ htm: 'GET', htu, accessToken: token })],
        ],
      });
    expect((await forwardAuth('https://app.example/api/notes')).status).toBe(200);
    const wrong = await forwardAuth(`${fx.gateway.decisionUrl}/decide/forward-auth`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^DPoP /);
  });

  it('when the decision port is asked for another path, then 404 and nothing is decided', async () => {
    const res = await send(fx.gateway.decisionUrl, { path: '/api/notes', headers: bearer(reader()) });
    expect(res.status).toBe(404);
    expect(res.headers['x-auth-subject']).toBeUndefined();
  });
});

describe('GATEWAY_DECISION_PORT', () => {
  it('when it is not set, then the decision port is 8082; when it is not a port, then the config error names it', () => {
    expect(loadGatewayConfig({}).decisionPort).toBe(8082);
    expect(() => loadGatewayConfig({ GATEWAY_DECISION_PORT: 'decide' })).toThrow(/GATEWAY_DECISION_PORT/);
  });
});
