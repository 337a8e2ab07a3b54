import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { decodeJwt } from 'jose';
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
import { PASSWORD, post, request } from '../auth/support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from '../auth/support/oauth-client.js';
import { dpopKey, type DpopTestKey } from '../support/dpop-key.js';
import { freePort } from '../support/free-port.js';
import * as hostile from '../support/hostile-dpop.js';

/**
 * Issue 22 at the real gateway (the issuer's public URL) in front of the real auth service and a
 * service verifying tokens itself: point 6, hostile DPoP proofs are 401 invalid_dpop_proof with a
 * DPoP challenge, never a 500, nothing logged as a fault; point 7, a DPoP-bound user token
 * exchanged with a proof of its key stays bound, so the gateway refuses it as Bearer.
 */
const silent = createLogger({ name: 'test', level: 'silent' });
const gatewayLines: string[] = [];
const gatewayLog = new Writable({
  write(chunk: Buffer, _encoding, done) {
    gatewayLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let auth: TestAuth;
let service: RunningServer;
let serviceVerifier: Verifier;
let gateway: RunningGateway;
let issuer: string;
let key: DpopTestKey;
let otherKey: DpopTestKey;
const secret = newSecret();

beforeAll(async () => {
  const gatewayPort = await freePort();
  issuer = `http://127.0.0.1:${gatewayPort}`;
  const clients = new MemoryClientStore();
  auth = await startTestAuth({ clients, env: { AUTH_ISSUER: issuer } });
  await addSecretClient(clients, 'svc', secret);
  await addSecretClient(clients, 'exchanger', secret, { scopes: ['notes:read'], tokenExchange: { audiences: ['api'], scopes: ['notes:read'] } });

  serviceVerifier = createVerifier({ issuer, audience: 'api', jwksUri: `${auth.url}/.well-known/jwks.json` });
  const app = createBaseApp({ logger: silent });
  app.get('/things', createRequireAuth(serviceVerifier, { realm: 'svc' })({ scopes: ['notes:read'] }), (req, res) => res.json({ sub: req.auth!.sub, cnf: req.auth!.claims.cnf ?? null }));
  service = await listen(finishApp(app, { realm: 'svc' }), { port: 0 });

  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/oauth', upstream: auth.url, auth: 'none' },
        { prefix: '/.well-known', upstream: auth.url, auth: 'none' },
        { prefix: '/api/things', upstream: service.url, auth: 'required', scopes: { GET: ['notes:read'] }, stripPrefix: '/api' },
      ],
    },
    {},
  );
  const config = loadGatewayConfig({ GATEWAY_PORT: String(gatewayPort), GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer, AUTH_URL: auth.url, LOG_LEVEL: 'info' });
  gateway = await startGateway(config, { routes, logger: createLogger({ name: 'gateway', level: 'info', destination: gatewayLog }) });
  [key, otherKey] = await Promise.all([dpopKey('ES256'), dpopKey('ES256')]);
  expect((await post(auth.url, '/auth/register', { username: 'gateway-dpop-user', password: PASSWORD })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await gateway?.close(1_000);
  await service?.close(0);
  serviceVerifier?.close();
  await auth?.stop();
});

const thingsUrl = () => `${issuer}/api/things`;
const call = (headers: Record<string, string>) => fetch(thingsUrl(), { headers });

describe('hostile DPoP proofs at the gateway (issue 22, point 6)', () => {
  let bound: string;
  beforeAll(async () => {
    const tokens = await postForm(issuer, '/oauth/token', { grant_type: 'client_credentials', scope: 'notes:read' }, { authorization: basic('svc', secret), dpop: await key.proof({ htm: 'POST', htu: `${issuer}/oauth/token` }) });
    expect(tokens.body.token_type).toBe('DPoP');
    bound = tokens.body.access_token;
  });

  const claims = () => ({ htm: 'GET', htu: thingsUrl(), accessToken: bound });
  const rows: Array<[string, () => Promise<string> | string]> = [
    ['a 1024-bit RSA key', () => hostile.rsa1024Proof(claims())],
    ['a 3072-bit key with a ~3000-bit exponent and a random signature', () => hostile.hugeExponentProof(claims())],
    ['an 8192-bit RSA key', () => hostile.rsaModulusProof(8192, claims())],
    ['a private key in the header', () => hostile.privateKeyProof(claims())],
    ['typ JWT', () => hostile.wrongTypProof(claims())],
    ['alg none', () => hostile.algNoneProof(claims())],
    ['alg HS256', () => hostile.hs256Proof(claims())],
    ['alg ES256 on a P-384 key', () => hostile.curveMismatchProof(claims())],
    ['the wrong htm', () => key.proof({ ...claims(), htm: 'POST' })],
    ['the wrong htu', () => key.proof({ ...claims(), htu: `${issuer}/api/other` })],
    ['a stale iat', () => key.proof({ ...claims(), iat: Math.floor(Date.now() / 1000) - 600 })],
  ];
  it.each(rows)('when a bound token comes with a proof with %s, then the gateway answers 401 invalid_dpop_proof with a DPoP challenge', async (_label, make) => {
    const response = await call({ authorization: `DPoP ${bound}`, dpop: await make() });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP realm="gateway", algs="[^"]+", error="invalid_dpop_proof"/);
  });

  it('when the hostile proofs were answered, then the gateway logged no fault and no stack', async () => {
    expect((await call({ authorization: `DPoP ${bound}`, dpop: await key.proof(claims()) })).status).toBe(200);
    const faults = gatewayLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50 || line.includes('"stack"'));
    expect(faults).toEqual([]);
  });

  it('when a valid proof is replayed after a forged copy of it was refused, then the first use passes and the replay is refused', async () => {
    const proof = await key.proof(claims());
    const [header, payload] = proof.split('.');
    expect((await call({ authorization: `DPoP ${bound}`, dpop: `${header}.${payload}.${randomBytes(64).toString('base64url')}` })).status).toBe(401);
    expect((await call({ authorization: `DPoP ${bound}`, dpop: proof })).status).toBe(200);
    const replay = await call({ authorization: `DPoP ${bound}`, dpop: proof });
    expect([replay.status, ((await replay.json()) as { error: string }).error]).toEqual([401, 'invalid_dpop_proof']);
  });
});

describe('token exchange keeps the DPoP binding (issue 22, point 7)', () => {
  const exchange = async (subjectToken: string, dpop?: string) =>
    postForm(
      issuer,
      '/oauth/token',
      { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: 'api' },
      { authorization: basic('exchanger', secret), ...(dpop ? { dpop } : {}) },
    );
  const boundUserToken = async () => {
    const loggedIn = await request(auth.url, 'POST', '/auth/login', { json: { username: 'gateway-dpop-user', password: PASSWORD }, headers: { dpop: await key.proof({ htm: 'POST', htu: `${auth.url}/auth/login` }) } });
    expect(loggedIn.body.token_type).toBe('DPoP');
    return loggedIn.body.access_token as string;
  };

  it('when a bound user token is exchanged without a proof, or with another key\'s, then no token is issued', async () => {
    const subject = await boundUserToken();
    // The subject token itself is refused as Bearer at the gateway: what the exchange must not undo.
    expect((await call({ authorization: `Bearer ${subject}` })).status).toBe(401);
    for (const dpop of [undefined, await otherKey.proof({ htm: 'POST', htu: `${issuer}/oauth/token` })]) {
      const refused = await exchange(subject, dpop);
      expect([refused.status, refused.body.error, refused.body.access_token]).toEqual([400, 'invalid_grant', undefined]);
    }
  });

  it('when a bound user token is exchanged with a proof of its key, then the new token is bound: refused at the gateway as Bearer, accepted as DPoP with a proof', async () => {
    const exchanged = await exchange(await boundUserToken(), await key.proof({ htm: 'POST', htu: `${issuer}/oauth/token` }));
    expect([exchanged.status, exchanged.body.token_type]).toEqual([200, 'DPoP']);
    const token = exchanged.body.access_token as string;
    expect(decodeJwt(token)).toMatchObject({ act: { sub: 'exchanger' }, cnf: { jkt: key.jkt } });

    const asBearer = await call({ authorization: `Bearer ${token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm="gateway", algs="[^"]+", error="invalid_token"/);
    const asDpop = await call({ authorization: `DPoP ${token}`, dpop: await key.proof({ htm: 'GET', htu: thingsUrl(), accessToken: token }) });
    expect(asDpop.status).toBe(200);
    expect(await asDpop.json()).toMatchObject({ cnf: { jkt: key.jkt } });
  });
});
