import { describe, expect, it } from 'vitest';
import { useGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

let f: GatewayFixture;
useGatewayFixture((fixture) => (f = fixture));

const ORIGIN = 'http://app.example';
const CSRF = 'csrf-secret-value';
const cookies = (token: string) => `access_token=${token}; csrf_token=${CSRF}`;

describe('routes with cookies: true', () => {
  it('when a GET carries only the access_token cookie, then it passes and upstream gets it as a Bearer header', async () => {
    const token = f.issuer.sign({ claims: { sub: 'cookie-user' } });
    const res = await send(f.gateway.url, { path: '/browser/x', headers: [['Cookie', cookies(token)]] });
    expect(res.status).toBe(200);
    expect(f.upstream.received[0]?.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-auth-subject': 'cookie-user' });
  });

  it('when a cookie POST has the CSRF header and an allowed Origin, then it passes', async () => {
    const res = await send(f.gateway.url, {
      method: 'POST',
      path: '/browser/x',
      headers: [['Cookie', cookies(f.issuer.sign())], ['X-CSRF-Token', CSRF], ['Origin', ORIGIN]],
      body: '{}',
    });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no CSRF header', [['Origin', ORIGIN]]],
    ['a mismatching CSRF header', [['Origin', ORIGIN], ['X-CSRF-Token', 'other']]],
    ['a foreign Origin', [['Origin', 'https://evil.example'], ['X-CSRF-Token', CSRF]]],
    ['neither Origin nor Referer', [['X-CSRF-Token', CSRF]]],
  ] as Array<[string, Array<[string, string]>]>)('when a cookie POST has %s, then 403 csrf_failed and upstream sees nothing', async (_name, headers) => {
    const res = await send(f.gateway.url, { method: 'POST', path: '/browser/x', headers: [['Cookie', cookies(f.issuer.sign())], ...headers], body: '{}' });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: 'csrf_failed' });
    expect(f.upstream.received).toEqual([]);
  });

  it('when a Bearer header and a cookie both come, then the header wins and needs no CSRF proof', async () => {
    const header = f.issuer.sign({ claims: { sub: 'header-user' } });
    const cookie = f.issuer.sign({ claims: { sub: 'cookie-user', exp: Math.floor(Date.now() / 1000) - 100 } });
    const res = await send(f.gateway.url, { method: 'POST', path: '/browser/x', headers: [['Authorization', `Bearer ${header}`], ['Cookie', cookies(cookie)]], body: '{}' });
    expect(res.status).toBe(200);
    expect(f.upstream.received[0]?.headers['x-auth-subject']).toBe('header-user');
  });

  it('when the access_token cookie is sent twice, then 401 invalid_token and upstream sees nothing', async () => {
    const res = await send(f.gateway.url, { path: '/browser/x', headers: [['Cookie', `access_token=${f.issuer.sign()}; access_token=${f.issuer.sign()}`]] });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gateway", error="invalid_token", error_description="the access token is malformed"');
    expect(f.upstream.received).toEqual([]);
  });

  it('when the cookie token is tampered, then 401 invalid_token', async () => {
    const res = await send(f.gateway.url, { path: '/browser/x', headers: [['Cookie', cookies(f.issuer.sign().slice(0, -4))]] });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('when a route does not allow cookies, then the cookie is ignored (401 with a bare challenge)', async () => {
    const res = await send(f.gateway.url, { path: '/api/notes', headers: [['Cookie', cookies(f.issuer.sign())]] });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gateway"');
  });
});
