import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createBaseApp, finishApp } from '../../lib/http/base-app.js';
import { listen, type RunningServer } from '../../lib/http/server.js';
import { createRequireAuth } from '../../lib/express/index.js';
import { createVerifier, type Verifier } from '../../lib/verifier/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { addSecretClient, basic, newSecret, postForm } from '../auth/support/oauth-client.js';
import { athOf, dpopKey, type DpopTestKey } from '../support/dpop-key.js';
import { freePort } from '../support/free-port.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';

/**
 * Sender-constrained tokens (RFC 9449) end to end: the real auth service and a service that
 * verifies tokens itself (requireAuth) behind the real gateway, which is also the issuer's public
 * URL (discovery, token endpoint and JWKS all go through it). openid-client's own DPoP support
 * gets a bound token and calls the API; a table of bad proofs is refused by the gateway.
 */
const silent = createLogger({ name: 'test', level: 'silent' });

let auth: TestAuth;
let service: RunningServer;
let serviceVerifier: Verifier;
let gateway: RunningGateway;
let issuer: string;
const secret = newSecret();

function routesFor(authUrl: string, serviceUrl: string) {
  return parseRoutes(
    {
      routes: [
        { prefix: '/oauth', upstream: authUrl, auth: 'none' },
        { prefix: '/.well-known', upstream: authUrl, auth: 'none' },
        { prefix: '/api/things', upstream: serviceUrl, auth: 'required', scopes: { GET: ['notes:read'] }, stripPrefix: '/api' },
        { prefix: '/api/strict', upstream: serviceUrl, auth: 'required', stripPrefix: '/api', dpop: 'required' },
      ],
    },
    {},
  );
}

async function startGatewayAt(port: number, env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig({ GATEWAY_PORT: String(port), GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer, AUTH_URL: auth.url, LOG_LEVEL: 'silent', ...env });
  return startGateway(config, { routes: routesFor(auth.url, service.url), logger: silent });
}

beforeAll(async () => {
  const gatewayPort = await freePort();
  issuer = `http://127.0.0.1:${gatewayPort}`;
  const clients = new MemoryClientStore();
  auth = await startTestAuth({ clients, env: { AUTH_ISSUER: issuer } });
  await addSecretClient(clients, 'svc', secret);
  await addSecretClient(clients, 'bound-svc', secret, { dpopBoundAccessTokens: true });

  // A downstream service verifying every token itself, as services/notes does.
  serviceVerifier = createVerifier({ issuer, audience: 'api', jwksUri: `${auth.url}/.well-known/jwks.json` });
  const app = createBaseApp({ logger: silent });
  const requireAuth = createRequireAuth(serviceVerifier, { realm: 'svc' });
  const answer = (req: import('express').Request, res: import('express').Response) => res.json({ sub: req.auth!.sub, cnf: req.auth!.claims.cnf ?? null });
  app.get('/things', requireAuth({ scopes: ['notes:read'] }), answer);
  app.get('/strict', requireAuth(), answer);
  service = await listen(finishApp(app, { realm: 'svc' }), { port: 0 });
  gateway = await startGatewayAt(gatewayPort);
}, 60_000);

afterAll(async () => {
  await gateway?.close(1_000);
  await service?.close(0);
  serviceVerifier?.close();
  await auth?.stop();
});

const thingsUrl = () => `${issuer}/api/things`;

describe('openid-client DPoP through the gateway', () => {
  it('when openid-client gets a client-credentials token with its DPoP handle, then the token is bound and fetchProtectedResource reaches the service through the gateway', async () => {
    const config = await oidc.discovery(new URL(issuer), 'svc', secret, undefined, { execute: [oidc.allowInsecureRequests] });
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toContain('ES256');
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const DPoP = oidc.getDPoPHandle(config, keyPair);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'notes:read' }, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toMatchObject({ jkt: expect.any(String) });

    for (let call = 0; call < 2; call++) {
      const response = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(thingsUrl()), 'GET', undefined, undefined, { DPoP });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sub: 'svc', cnf: decodeJwt(tokens.access_token).cnf });
    }
    // The dpop: required route takes it too.
    const strict = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${issuer}/api/strict`), 'GET', undefined, undefined, { DPoP });
    expect(strict.status).toBe(200);

    // The same token without the key (a thief's Bearer use) is refused.
    const stolen = await fetch(thingsUrl(), { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP realm="gateway", algs="[^"]*ES256[^"]*", error="invalid_token"/);
  });

  it('when a dpop_bound_access_tokens client asks without a proof, then it is refused; with openid-client\'s DPoP handle it gets a bound token', async () => {
    const config = await oidc.discovery(new URL(issuer), 'bound-svc', secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const refused = await oidc.clientCredentialsGrant(config, { scope: 'notes:read' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
    expect((refused as oidc.ResponseBodyError).error).toBe('invalid_dpop_proof');
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'notes:read' }, { DPoP });
    expect(tokens.token_type).toBe('dpop');
  });
});

describe('bad DPoP proofs at the gateway', () => {
  let key: DpopTestKey;
  let otherKey: DpopTestKey;
  let bound: string;
  let bearer: string;

  beforeAll(async () => {
    [key, otherKey] = await Promise.all([dpopKey('ES256'), dpopKey('ES256')]);
    const tokenUrl = `${issuer}/oauth/token`;
    const boundResponse = await postForm(issuer, '/oauth/token', { grant_type: 'client_credentials', scope: 'notes:read' }, { authorization: basic('svc', secret), dpop: await key.proof({ htm: 'POST', htu: tokenUrl }) });
    expect(boundResponse.body.token_type).toBe('DPoP');
    bound = boundResponse.body.access_token;
    bearer = (await postForm(issuer, '/oauth/token', { grant_type: 'client_credentials', scope: 'notes:read' }, { authorization: basic('svc', secret) })).body.access_token;
  });

  const call = (headers: Record<string, string>, url = thingsUrl()) => fetch(url, { headers });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = (token: string) => ({ htm: 'GET', htu: thingsUrl(), iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ath: athOf(token) });

  const rows: Array<[string, () => Promise<Record<string, string>>, number, string]> = [
    ['a proof for the wrong method', async () => ({ authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'POST', htu: thingsUrl(), accessToken: bound }) }), 401, 'invalid_dpop_proof'],
    ['a proof for the wrong URL', async () => ({ authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: `${issuer}/api/other`, accessToken: bound }) }), 401, 'invalid_dpop_proof'],
    ['a proof naming the upstream URL, not the public one', async () => ({ authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: `${service.url}/things`, accessToken: bound }) }), 401, 'invalid_dpop_proof'],
    ['a stale proof', async () => ({ authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bound, iat: Math.floor(Date.now() / 1000) - 300 }) }), 401, 'invalid_dpop_proof'],
    ['a proof by another key', async () => ({ authorization: `DPoP ${bound}`, dpop: await otherKey.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bound }) }), 401, 'invalid_token'],
    ['a proof without ath', async () => ({ authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl() }) }), 401, 'invalid_dpop_proof'],
    ['alg none', async () => ({ authorization: `DPoP ${bound}`, dpop: `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${b64(claims(bound))}.` }), 401, 'invalid_dpop_proof'],
    [
      'HS256',
      async () => ({
        authorization: `DPoP ${bound}`,
        dpop: await new SignJWT(claims(bound)).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-or-more!')),
      }),
      401,
      'invalid_dpop_proof',
    ],
    ['a private key in the header', async () => ({ authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bound, jwk: { ...key.jwk, d: 'c2VjcmV0' } }) }), 401, 'invalid_dpop_proof'],
    ['no proof at all', async () => ({ authorization: `DPoP ${bound}` }), 401, 'invalid_dpop_proof'],
    ['the bound token sent as Bearer (with a valid proof beside it)', async () => ({ authorization: `Bearer ${bound}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bound }) }), 401, 'invalid_token'],
    ['an unbound token under the DPoP scheme', async () => ({ authorization: `DPoP ${bearer}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bearer }) }), 401, 'invalid_token'],
    ['a proof whose htu believes forged X-Forwarded-Host from an untrusted peer', async () => ({ authorization: `DPoP ${bound}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', dpop: await key.proof({ htm: 'GET', htu: 'https://evil.example/api/things', accessToken: bound }) }), 401, 'invalid_dpop_proof'],
  ];
  it.each(rows)('when the request carries %s, then the gateway answers %i %s with a DPoP challenge and nothing reaches the service', async (_name, headers, status, error) => {
    const response = await call(await headers());
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toBe(error);
    expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`^DPoP realm="gateway", algs="[^"]+", error="${error}"`));
  });

  it('when a valid proof is replayed, then the first use passes and the second is refused', async () => {
    const headers = { authorization: `DPoP ${bound}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bound }) };
    expect((await call(headers)).status).toBe(200);
    const replay = await call(headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_dpop_proof');
  });

  it('when an unbound Bearer token calls a dpop: required route, then it is refused with a DPoP challenge; on a default route it passes', async () => {
    const strict = await call({ authorization: `Bearer ${bearer}` }, `${issuer}/api/strict`);
    expect(strict.status).toBe(401);
    expect(strict.headers.get('www-authenticate')).toMatch(/^DPoP realm="gateway", algs="[^"]+", error="invalid_token"/);
    const missing = await call({}, `${issuer}/api/strict`);
    expect(missing.headers.get('www-authenticate')).toMatch(/^DPoP realm="gateway", algs="[^"]+"$/);
    expect((await call({ authorization: `Bearer ${bearer}` })).status).toBe(200);
  });

  it('when the gateway sits behind a trusted proxy, then htu is the public URL that proxy reports', async () => {
    const port = await freePort();
    const behind = await startGatewayAt(port, { TRUSTED_PROXIES: '127.0.0.1' });
    try {
      const publicUrl = 'https://api.example.test/api/things';
      const ok = await fetch(`http://127.0.0.1:${port}/api/things`, {
        headers: { authorization: `DPoP ${bound}`, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.test', dpop: await key.proof({ htm: 'GET', htu: publicUrl, accessToken: bound }) },
      });
      expect(ok.status).toBe(200);
      const internal = await fetch(`http://127.0.0.1:${port}/api/things`, {
        headers: { authorization: `DPoP ${bound}`, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.test', dpop: await key.proof({ htm: 'GET', htu: `http://127.0.0.1:${port}/api/things`, accessToken: bound }) },
      });
      expect(internal.status).toBe(401);
    } finally {
      await behind.close(1_000);
    }
  });

  describe.runIf(HAS_REDIS)('two gateway replicas sharing Redis', () => {
    it('when a proof accepted by one replica is replayed at the other, then the other refuses it', async () => {
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('dpop'), TRUSTED_PROXIES: '127.0.0.1' };
      const [portA, portB] = [await freePort(), await freePort()];
      const a = await startGatewayAt(portA, env);
      const b = await startGatewayAt(portB, env);
      try {
        // Both replicas answer for the one public URL (what a load balancer in front would give).
        const headers = { authorization: `DPoP ${bound}`, 'x-forwarded-host': new URL(issuer).host, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: bound }) };
        const viaA = await fetch(`http://127.0.0.1:${portA}/api/things`, { headers });
        expect(viaA.status).toBe(200);
        const viaB = await fetch(`http://127.0.0.1:${portB}/api/things`, { headers });
        expect(viaB.status).toBe(401);
        expect(((await viaB.json()) as { error: string }).error).toBe('invalid_dpop_proof');
      } finally {
        await Promise.all([a.close(1_000), b.close(1_000)]);
      }
    });
  });
});
