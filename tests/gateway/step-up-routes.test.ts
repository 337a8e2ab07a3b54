import { describe, expect, it } from 'vitest';
import { useGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send, type RawResponse } from './http-client.js';

/**
 * Issue 25 point 5: routes with `acr: mfa` and/or `max_age` (RFC 9470). Each case goes through the
 * proxy port and through the three decision endpoints, which must give the same answer, challenge
 * included (one access decision serves both ports).
 */
let f: GatewayFixture;
useGatewayFixture((fixture) => (f = fixture));

type Headers = Array<[string, string]>;
const ACR_MFA = 'urn:authgate:acr:mfa';
const ACR_PWD = 'urn:authgate:acr:pwd';
const now = () => Math.floor(Date.now() / 1000);
const bearer = (claims: Record<string, unknown>): Headers => [['Authorization', `Bearer ${f.issuer.sign({ claims })}`]];
const mfaNow = () => ({ acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'], auth_time: now() - 5 });
const pwdNow = () => ({ acr: ACR_PWD, amr: ['pwd'], auth_time: now() - 5 });
// What the client credentials grant issues: the client is the subject, no user, no sign-in.
const machine = () => ({ sub: 'reports', client_id: 'reports', roles: undefined, username: undefined });

function decide(flavour: 'auth-request' | 'forward-auth' | 'ext-authz', method: string, uri: string, headers: Headers): Promise<RawResponse> {
  const base = f.gateway.decisionUrl;
  if (flavour === 'auth-request') return send(base, { path: '/decide/auth-request', headers: [['X-Original-Method', method], ['X-Original-URI', uri], ...headers] });
  if (flavour === 'forward-auth') return send(base, { path: '/decide/forward-auth', headers: [['X-Forwarded-Method', method], ['X-Forwarded-Uri', uri], ['X-Forwarded-Proto', 'http'], ['X-Forwarded-Host', 'app.example'], ...headers] });
  return send(base, { method, path: `/decide/ext-authz${uri}`, headers });
}

/** Sends the request to the proxy port and every decision endpoint; returns the proxied answer after checking they agree. */
async function everyPort(method: string, uri: string, headers: Headers): Promise<RawResponse> {
  const proxied = await send(f.gateway.url, { method, path: uri, headers });
  const shape = (res: RawResponse) => ({ status: res.status, challenge: res.headers['www-authenticate'], error: res.status === 200 ? undefined : (res.json() as { error: string }).error });
  for (const flavour of ['auth-request', 'forward-auth', 'ext-authz'] as const) {
    expect(shape(await decide(flavour, method, uri, headers)), flavour).toEqual(shape(proxied));
  }
  return proxied;
}

const challenge = (description: string, params: string) => `Bearer realm="gateway", error="insufficient_user_authentication", error_description="${description}", ${params}`;

describe('routes.yaml acr and max_age: step-up at the edge (RFC 9470)', () => {
  it.each([
    ['acr: mfa, a password-only token', '/step-up/mfa/x', pwdNow, challenge('this resource needs a sign-in with a second factor', `acr_values="${ACR_MFA}"`)],
    ['acr: mfa, a token with no acr at all', '/step-up/mfa/x', () => ({}), challenge('this resource needs a sign-in with a second factor', `acr_values="${ACR_MFA}"`)],
    ['acr: mfa, an acr that only resembles mfa', '/step-up/mfa/x', () => ({ acr: 'urn:authgate:acr:MFA', auth_time: now() }), challenge('this resource needs a sign-in with a second factor', `acr_values="${ACR_MFA}"`)],
    ['max_age: 300, a sign-in 301 s old', '/step-up/recent/x', () => ({ ...mfaNow(), auth_time: now() - 301 }), challenge('this resource needs a more recent sign-in', 'max_age="300"')],
    ['max_age: 300, a token without auth_time', '/step-up/recent/x', () => ({ acr: ACR_MFA }), challenge('this resource needs a more recent sign-in', 'max_age="300"')],
    ['acr: mfa, the short name mfa as acr', '/step-up/mfa/x', () => ({ acr: 'mfa', amr: ['mfa'], auth_time: now() }), challenge('this resource needs a sign-in with a second factor', `acr_values="${ACR_MFA}"`)],
    ['max_age: 300, auth_time 0 (the epoch)', '/step-up/recent/x', () => ({ auth_time: 0 }), challenge('this resource needs a more recent sign-in', 'max_age="300"')],
    ['both, a fresh password-only sign-in', '/step-up/both/x', pwdNow, challenge('this resource needs a sign-in with a second factor', `acr_values="${ACR_MFA}", max_age="60"`)],
    ['both, an old second-factor sign-in', '/step-up/both/x', () => ({ ...mfaNow(), auth_time: now() - 120 }), challenge('this resource needs a more recent sign-in', `acr_values="${ACR_MFA}", max_age="60"`)],
  ])('when the route has %s, then 401 insufficient_user_authentication with the challenge, on every port, and nothing reaches the upstream', async (_label, uri, claims, expected) => {
    const res = await everyPort('GET', uri, bearer(claims()));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(expected);
    expect(res.json()).toMatchObject({ error: 'insufficient_user_authentication', error_description: expect.any(String) });
    expect(f.upstream.received).toHaveLength(0);
  });

  it.each([
    ['acr: mfa, a second-factor sign-in', '/step-up/mfa/x', mfaNow],
    ['max_age: 300, a password sign-in 200 s old', '/step-up/recent/x', () => ({ ...pwdNow(), auth_time: now() - 200 })],
    ['both, a second-factor sign-in 30 s old', '/step-up/both/x', () => ({ ...mfaNow(), auth_time: now() - 30 })],
  ])('when the route has %s, then it passes on every port', async (_label, uri, claims) => {
    const res = await everyPort('GET', uri, bearer(claims()));
    expect(res.status).toBe(200);
    expect(f.upstream.received).toHaveLength(1);
  });

  it('when a client credentials token (no user) comes to a step-up route, then 403 insufficient_scope without step-up parameters: no sign-in can fix it', async () => {
    for (const uri of ['/step-up/mfa/x', '/step-up/recent/x']) {
      const res = await everyPort('GET', uri, bearer({ ...machine(), ...mfaNow() }));
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gateway", error="insufficient_scope", error_description="this resource needs a token from a user sign-in, not a client credentials token"');
    }
    expect(f.upstream.received).toHaveLength(0);
  });

  it('when a token lacks the route\'s scope as well as the second factor, then the scope refusal comes first (a step-up would not help)', async () => {
    const res = await everyPort('GET', '/step-up/both/x', bearer({ ...pwdNow(), scope: 'other' }));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="notes:read"');
  });

  it('when a cookie route has acr: mfa, then a password-only session cookie gets the same challenge and a second-factor one passes', async () => {
    const cookie = (claims: Record<string, unknown>): Headers => [['Cookie', `access_token=${f.issuer.sign({ claims })}`]];
    const refused = await everyPort('GET', '/step-up/browser/x', cookie(pwdNow()));
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(challenge('this resource needs a sign-in with a second factor', `acr_values="${ACR_MFA}"`));
    const passed = await everyPort('GET', '/step-up/browser/x', cookie(mfaNow()));
    expect(passed.status).toBe(200);
  });

  it('when a route has no step-up keys, then a password-only token without auth_time still passes (nothing changes for existing routes)', async () => {
    const res = await everyPort('GET', '/api/notes', bearer({}));
    expect(res.status).toBe(200);
  });
});
