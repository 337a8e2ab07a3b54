import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authgateProxy } from '../../../lib/express/index.js';
import { createLogger } from '../../../lib/logger.js';
import { openRevocationList } from '../../../lib/revocation/open-revocation-list.js';
import type { RevocationList } from '../../../lib/revocation/revocation-list.js';
import { toVerifierSettings } from '../../../lib/verifier/env.js';
import { createVerifier, type Verifier } from '../../../lib/verifier/index.js';
import { post, registerAndLogin, type TokenPairBody } from '../../auth/support/http-client.js';
import { startTestAuth, type TestAuth } from '../../auth/support/auth-harness.js';
import { addSecretClient, basic, newSecret, postForm } from '../../auth/support/oauth-client.js';
import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { dpopKey, type DpopTestKey } from '../../support/dpop-key.js';
import { startEchoUpstream, type EchoUpstream } from '../../gateway/echo-upstream.js';
import { freePort } from '../../support/free-port.js';
import { send, waitFor } from '../../gateway/http-client.js';
import { serveApp } from '../verifier/serve-app.js';

/**
 * authgateProxy (issue 27, point 3): an express edge that verifies with lib/verifier against the
 * real auth service (embedded revocation feed, as `npm start` runs it) and proxies to a real
 * upstream under the gateway's header policy.
 */
let auth: TestAuth;
let revocations: RevocationList;
let verifier: Verifier;
let upstream: EchoUpstream;
let served: Awaited<ReturnType<typeof serveApp>>;
let user: TokenPairBody & { id: string };
const clientSecret = newSecret();

beforeAll(async () => {
  const feedEnv = { REVOCATION_FEED_TOKEN: newSecret() };
  const clients = new MemoryClientStore();
  auth = await startTestAuth({ tokens: 'config', clients, env: feedEnv });
  await addSecretClient(clients, 'bound-svc', clientSecret, { dpopBoundAccessTokens: true });
  const logger = createLogger({ name: 'mount-test', level: 'silent' });
  revocations = await openRevocationList({ verifier: { authUrl: auth.url } }, { connectionName: 'test-mount', logger, env: feedEnv });
  await revocations.ready();
  verifier = createVerifier({ ...toVerifierSettings({ AUTH_ISSUER: auth.config.AUTH_ISSUER, AUTH_AUDIENCE: auth.config.AUTH_AUDIENCE, AUTH_URL: auth.url }), revocations });
  upstream = await startEchoUpstream();
  user = await registerAndLogin(auth.url, 'mount-user');
  const app = express();
  app.use('/public', authgateProxy({ verifier, target: upstream.url, auth: 'none' }));
  app.use('/api', authgateProxy({ verifier, target: upstream.url, requirements: (method) => ({ scopes: method === 'GET' ? user.scope.split(' ') : ['notes:admin'] }) }));
  app.use('/down', authgateProxy({ verifier, target: `http://127.0.0.1:${await freePort()}`, auth: 'none' }));
  app.use('/slow', authgateProxy({ verifier, target: upstream.url, auth: 'none', timeoutMs: 300 }));
  app.use('/bound', authgateProxy({ verifier, target: upstream.url, dpop: 'required' }));
  app.use('/admin', authgateProxy({ verifier, target: upstream.url, requirements: { roles: ['admin'] } }));
  served = await serveApp(app, [() => verifier.close(), () => revocations.close(), () => upstream.close(), () => auth.stop()]);
}, 60_000);
afterAll(() => served?.close());
beforeEach(() => {
  upstream.received.length = 0;
});

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

describe('authgateProxy refuses as the gateway does', () => {
  it('when a request has no token, then it answers 401 with the Bearer challenge and the RFC 6750 body, and the upstream sees nothing', async () => {
    const res = await send(served.base, { path: '/api/notes' });
    expect(res.status).toBe(401);
    // RFC 6750 §3.1: no error attribute when no credentials came.
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gateway"');
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.received).toHaveLength(0);
  });

  it('when the token lacks the scope the method needs, then it answers 403 insufficient_scope', async () => {
    const res = await send(served.base, { method: 'POST', path: '/api/notes', headers: [bearer(user.access_token)], body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(upstream.received).toHaveLength(0);
  });

  it('when the token lacks the role of the mount, then it answers 403', async () => {
    const res = await send(served.base, { path: '/admin/users', headers: [bearer(user.access_token)] });
    expect(res.status).toBe(403);
    expect(upstream.received).toHaveLength(0);
  });

  it('when a token is forged, then it answers 401 invalid_token', async () => {
    const [head, body] = user.access_token.split('.');
    const res = await send(served.base, { path: '/api/notes', headers: [bearer(`${head}.${body}.AAAA`)] });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('when the user logs out, then the revoked token is refused with 401 within a second (revocation feed)', async () => {
    const other = await registerAndLogin(auth.url, 'mount-leaver');
    expect((await send(served.base, { path: '/api/notes', headers: [bearer(other.access_token)] })).status).toBe(200);
    expect((await post(auth.url, '/auth/logout', { refresh_token: other.refresh_token }, other.access_token)).status).toBe(204);
    await waitFor(async () => (await send(served.base, { path: '/api/notes', headers: [bearer(other.access_token)] })).status === 401, { timeoutMs: 1_000 });
    const res = await send(served.base, { path: '/api/notes', headers: [bearer(other.access_token)] });
    expect(res.headers['www-authenticate']).toContain('revoked');
  });
});

describe('authgateProxy proxies under the gateway header policy', () => {
  it('when the token is valid, then the upstream gets the request with the identity headers and the original Authorization', async () => {
    const res = await send(served.base, { path: '/api/notes?limit=2', headers: [bearer(user.access_token)] });
    expect(res.status).toBe(200);
    const seen = upstream.received[0]!;
    // express cut the mount path, as app.use does for any middleware.
    expect(seen.url).toBe('/notes?limit=2');
    expect(seen.headers['x-auth-subject']).toBe(user.id);
    expect(seen.headers['x-auth-scope']).toBe(user.scope);
    expect(seen.headers['x-auth-client-id']).toEqual(expect.any(String));
    // The default role auth gives a registered user.
    expect(seen.headers['x-auth-roles']).toBe('user');
    expect(seen.headers.authorization).toBe(`Bearer ${user.access_token}`);
    expect(seen.headers['x-forwarded-prefix']).toBe('/api');
    expect(seen.headers['x-request-id']).toBe(res.headers['x-request-id']);
  });

  it('when a caller sends X-Auth-* of its own (any spelling), then the upstream sees only the verified identity', async () => {
    const spoofed: Array<[string, string]> = [['X-Auth-Subject', 'admin'], ['X_Auth_Roles', 'admin'], ['X-Auth-Actor', 'someone']];
    await send(served.base, { path: '/api/notes', headers: [bearer(user.access_token), ...spoofed] });
    const seen = upstream.received[0]!.headers;
    expect(seen['x-auth-subject']).toBe(user.id);
    expect(seen['x_auth_roles']).toBeUndefined();
    expect(seen['x-auth-actor']).toBeUndefined();
    // On a public mount too: nobody's identity there.
    await send(served.base, { path: '/public/page', headers: spoofed });
    expect(upstream.received[1]!.headers['x-auth-subject']).toBeUndefined();
  });

  it('when a request carries hop-by-hop headers and headers named in Connection, then the upstream sees none of them', async () => {
    const hop: Array<[string, string]> = [['Proxy-Authorization', 'Basic dXNlcjpwcm94eQ=='], ['Keep-Alive', 'timeout=5'], ['TE', 'trailers'], ['Connection', 'keep-alive, X-Secret-Hop'], ['X-Secret-Hop', '1'], ['X-Kept', 'yes']];
    const res = await send(served.base, { path: '/public/hop', headers: hop });
    expect(res.status).toBe(200);
    const seen = upstream.received[0]!.headers;
    for (const name of ['proxy-authorization', 'keep-alive', 'te', 'x-secret-hop']) expect(seen[name]).toBeUndefined();
    expect(seen['x-kept']).toBe('yes');
  });

  it('when the upstream answers with hop-by-hop headers, then the client gets none of them and every other header', async () => {
    const res = await send(served.base, { path: '/public/hop-response' });
    expect(res.status).toBe(200);
    for (const name of ['x-hop-token', 'proxy-authenticate', 'upgrade']) expect(res.headers[name]).toBeUndefined();
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-kept']).toBe('yes');
  });

  it('when a peer that is not a trusted proxy sends X-Forwarded-*, then they are replaced from the connection', async () => {
    await send(served.base, { path: '/public/fwd', headers: [['X-Forwarded-For', '10.9.9.9'], ['X-Forwarded-Host', 'evil.example'], ['X-Real-IP', '10.9.9.9']] });
    const seen = upstream.received[0]!.headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(new URL(served.base).host);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-real-ip']).toBeUndefined();
  });

  it('when a POST body is sent, then the upstream receives it whole', async () => {
    const res = await send(served.base, { method: 'POST', path: '/public/upload', headers: [['Content-Type', 'application/octet-stream']], body: 'x'.repeat(100_000) });
    expect(res.status).toBe(200);
    expect(upstream.received[0]!.bodyLength).toBe(100_000);
  });

  it('when the upstream is down, then it answers 502 bad_gateway; when it is silent past the timeout, 504 gateway_timeout', async () => {
    const down = await send(served.base, { path: '/down/x' });
    expect(down.status).toBe(502);
    expect(down.json()).toMatchObject({ error: 'bad_gateway' });
    const silent = await send(served.base, { path: '/slow/slow' });
    expect(silent.status).toBe(504);
    expect(silent.json()).toMatchObject({ error: 'gateway_timeout' });
  });
});

describe('authgateProxy checks DPoP-bound tokens (RFC 9449)', () => {
  let key: DpopTestKey;
  let bound: string;
  beforeAll(async () => {
    key = await dpopKey('ES256');
    const tokenUrl = `${auth.url}/oauth/token`;
    const res = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials', scope: 'notes:read' }, { authorization: basic('bound-svc', clientSecret), dpop: await key.proof({ htm: 'POST', htu: tokenUrl }) });
    expect(res.body.token_type).toBe('DPoP');
    bound = res.body.access_token as string;
  });
  const url = () => `${served.base}/bound/things`;

  it('when a bound token comes with a proof for the public URL, then it is proxied; the same proof again is refused as a replay', async () => {
    const proof = await key.proof({ htm: 'GET', htu: url(), accessToken: bound });
    const ok = await send(served.base, { path: '/bound/things', headers: [['Authorization', `DPoP ${bound}`], ['DPoP', proof]] });
    expect(ok.status).toBe(200);
    expect(upstream.received[0]!.headers['x-auth-client-id']).toBe('bound-svc');
    const replay = await send(served.base, { path: '/bound/things', headers: [['Authorization', `DPoP ${bound}`], ['DPoP', proof]] });
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toMatch(/^DPoP realm="gateway"/);
  });

  it('when a bound token is sent as Bearer, or with a proof for another URL, then it is refused with 401', async () => {
    const asBearer = await send(served.base, { path: '/bound/things', headers: [bearer(bound)] });
    expect(asBearer.status).toBe(401);
    const elsewhere = await key.proof({ htm: 'GET', htu: `${upstream.url}/things`, accessToken: bound });
    const wrongUrl = await send(served.base, { path: '/bound/things', headers: [['Authorization', `DPoP ${bound}`], ['DPoP', elsewhere]] });
    expect(wrongUrl.status).toBe(401);
    expect(upstream.received).toHaveLength(0);
  });
});
