import express from 'express';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../verifier/serve-app.js';
import { createBearerStrategy, createRequireAuth } from '../../../lib/express/index.js';
import { createMemoryReplayCache, createVerifier, type VerifiedToken, type Verifier } from '../../../lib/verifier/index.js';
import { dpopKey, type DpopTestKey } from '../../support/dpop-key.js';
import { startTestIssuer, type TestIssuer } from '../verifier/test-issuer.js';

/**
 * RFC 9449 §7 in requireAuth and the passport strategy (the gateway's table is in
 * tests/e2e/dpop-gateway.test.ts): a bound token only with the DPoP scheme and a proof of its key
 * for this request; `dpop: 'required'` refuses Bearer tokens; refusals challenge with DPoP.
 */
let issuer: TestIssuer;
let verifier: Verifier;
let served: Awaited<ReturnType<typeof serveApp>>;
let base: string;
let key: DpopTestKey;
let otherKey: DpopTestKey;
let bound: string;
let bearer: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri });
  [key, otherKey] = await Promise.all([dpopKey('ES256'), dpopKey('PS256')]);
  bound = issuer.sign({ claims: { cnf: { jkt: key.jkt } } });
  bearer = issuer.sign();
  const app = express();
  const requireAuth = createRequireAuth(verifier, { realm: 'notes' });
  const strict = createRequireAuth(verifier, { realm: 'notes', dpop: 'required', dpopReplay: createMemoryReplayCache() });
  app.get('/mw', requireAuth(), (req, res) => res.json({ sub: req.auth!.sub }));
  app.get('/strict', strict(), (req, res) => res.json({ sub: req.auth!.sub }));
  passport.use('dpop-test', createBearerStrategy(verifier, { realm: 'notes' }));
  app.use(passport.initialize());
  app.get('/pp', passport.authenticate('dpop-test', { session: false }), (req, res) => res.json({ sub: (req.user as VerifiedToken).sub }));
  served = await serveApp(app, [() => verifier.close(), () => issuer.close()]);
  base = served.base;
});
afterAll(() => served.close());

const call = (path: string, headers: Record<string, string>) => fetch(`${base}${path}`, { headers });
const proofFor = (path: string, token: string, signer = key) => signer.proof({ htm: 'GET', htu: `${base}${path}`, accessToken: token });

describe.each(['/mw', '/pp'])('sender-constrained tokens at %s', (path) => {
  it('when a bound token comes as DPoP with a proof of its key, then it passes; the same proof again is refused', async () => {
    const headers = { authorization: `DPoP ${bound}`, dpop: await proofFor(path, bound) };
    expect((await call(path, headers)).status).toBe(200);
    const replay = await call(path, headers);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP realm="notes", algs="[^"]+", error="invalid_dpop_proof"/);
  });

  const rows: Array<[string, () => Promise<Record<string, string>>, string]> = [
    ['the bound token as Bearer', async () => ({ authorization: `Bearer ${bound}`, dpop: await proofFor(path, bound) }), 'invalid_token'],
    ['a proof by another key', async () => ({ authorization: `DPoP ${bound}`, dpop: await proofFor(path, bound, otherKey) }), 'invalid_token'],
    ['a proof for another URL', async () => ({ authorization: `DPoP ${bound}`, dpop: await proofFor('/elsewhere', bound) }), 'invalid_dpop_proof'],
    ['no proof', async () => ({ authorization: `DPoP ${bound}` }), 'invalid_dpop_proof'],
    ['an unbound token as DPoP', async () => ({ authorization: `DPoP ${bearer}`, dpop: await proofFor(path, bearer) }), 'invalid_token'],
  ];
  it.each(rows)('when the request carries %s, then 401 %s with a DPoP challenge', async (_name, headers, error) => {
    const response = await call(path, await headers());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`^DPoP realm="notes", algs="[^"]+", error="${error}"`));
  });

  it('when an unbound token comes as Bearer, then it passes as before, with a Bearer challenge on failure', async () => {
    expect((await call(path, { authorization: `Bearer ${bearer}` })).status).toBe(200);
    const bad = await call(path, { authorization: 'Bearer x.y.z' });
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", error="invalid_token"/);
  });
});

describe("requireAuth({ dpop: 'required' })", () => {
  it('when a Bearer token is sent, then 401 with a DPoP challenge; a bound one with its proof passes', async () => {
    const refused = await call('/strict', { authorization: `Bearer ${bearer}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP realm="notes", algs="[^"]+", error="invalid_token"/);
    expect((await call('/strict', { authorization: `DPoP ${bound}`, dpop: await proofFor('/strict', bound) })).status).toBe(200);
  });
});
