import express from 'express';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../verifier/serve-app.js';
import { createBearerStrategy, createRequireAuth } from '../../../lib/express/index.js';
import { createVerifier, type VerifiedToken, type Verifier } from '../../../lib/verifier/index.js';
import { startTestIssuer, type TestIssuer } from '../verifier/test-issuer.js';

let issuer: TestIssuer;
let verifier: Verifier;
let served: Awaited<ReturnType<typeof serveApp>>;
let base: string;

beforeAll(async () => {
  issuer = await startTestIssuer();
  verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri });
  const requireAuth = createRequireAuth(verifier, { realm: 'notes' });
  const app = express();
  app.get('/mw/read', requireAuth({ scopes: ['notes:read'] }), (req, res) => res.json({ sub: req.auth!.sub, scopes: req.auth!.scopes }));
  app.get('/mw/admin', requireAuth({ scopes: ['notes:read', 'notes:admin'] }), (_req, res) => res.json({}));
  app.get('/mw/role', requireAuth({ roles: ['admin', 'auditor'] }), (_req, res) => res.json({}));
  app.get('/mw/on-behalf', requireAuth({ delegation: 'required' }), (req, res) => res.json({ sub: req.auth!.sub, actor: req.auth!.actor }));
  app.get('/mw/direct', requireAuth({ delegation: 'refused' }), (req, res) => res.json({ actor: req.auth!.actor }));
  passport.use(createBearerStrategy(verifier, { realm: 'notes', scopes: ['notes:read'] }));
  app.use(passport.initialize());
  app.get('/pp/read', passport.authenticate('authgate-bearer', { session: false }), (req, res) => res.json({ sub: (req.user as VerifiedToken).sub }));
  served = await serveApp(app, [() => verifier.close(), () => issuer.close()]);
  base = served.base;
});
afterAll(() => served.close());

const get = (path: string, authorization?: string) => fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });

describe('requireAuth', () => {
  it('when the token is valid and has the scope, then req.auth is set', async () => {
    const res = await get('/mw/read', `Bearer ${issuer.sign({ claims: { sub: 'u-42' } })}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'u-42', scopes: ['notes:read', 'notes:write'] });
  });

  it('when no token is sent, then 401 with a bare challenge', async () => {
    const res = await get('/mw/read');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="notes"');
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('when the token is expired, then 401 invalid_token with its description', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await get('/mw/read', `Bearer ${issuer.sign({ claims: { exp: now - 100, iat: now - 1000 } })}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="notes", error="invalid_token", error_description="the access token expired"');
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });
  });

  it('when a scope is missing, then 403 insufficient_scope naming the scopes', async () => {
    const res = await get('/mw/admin', `Bearer ${issuer.sign()}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="notes", error="insufficient_scope", error_description="the access token lacks a required scope", scope="notes:read notes:admin"',
    );
    expect(await res.json()).toEqual({ error: 'insufficient_scope', error_description: 'the access token lacks a required scope' });
  });

  it('when none of the roles is held, then 403; when one is, then 200', async () => {
    expect((await get('/mw/role', `Bearer ${issuer.sign()}`)).status).toBe(403);
    expect((await get('/mw/role', `Bearer ${issuer.sign({ claims: { roles: ['auditor'] } })}`)).status).toBe(200);
  });
});

describe('Passport strategy', () => {
  it('when the token is valid, then req.user is the verified token', async () => {
    const res = await get('/pp/read', `Bearer ${issuer.sign({ claims: { sub: 'u-pp' } })}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'u-pp' });
  });

  it('when the token is tampered, then 401 with the RFC 6750 challenge', async () => {
    const res = await get('/pp/read', `Bearer ${issuer.sign().slice(0, -6)}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="notes", error="invalid_token", error_description="the access token signature is invalid"');
  });

  it('when no token is sent, then 401 with a bare challenge', async () => {
    const res = await get('/pp/read');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="notes"');
  });

  it('when the scope is missing, then 403', async () => {
    const res = await get('/pp/read', `Bearer ${issuer.sign({ claims: { scope: 'other' } })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});

describe('requireAuth with delegation requirements (token exchange)', () => {
  const delegated = () => `Bearer ${issuer.sign({ claims: { sub: 'u-1', client_id: 'reports', act: { sub: 'reports' } } })}`;
  const direct = () => `Bearer ${issuer.sign({ claims: { sub: 'u-1' } })}`;

  it.each([
    ['a route that requires delegation, a delegated token', '/mw/on-behalf', delegated, 200, undefined],
    ['a route that requires delegation, a direct token', '/mw/on-behalf', direct, 403, 'insufficient_scope'],
    ['a route that refuses delegation, a direct token', '/mw/direct', direct, 200, undefined],
    ['a route that refuses delegation, a delegated token', '/mw/direct', delegated, 403, 'insufficient_scope'],
    ['a route without a delegation rule, a delegated token', '/mw/read', delegated, 200, undefined],
  ])('when %s arrives, then %s', async (_label, path, token, status, error) => {
    const res = await get(path, token());
    expect(res.status).toBe(status);
    if (error) expect(((await res.json()) as { error: string }).error).toBe(error);
  });

  it('when a delegated token passes, then req.auth.actor names the acting client', async () => {
    expect(await (await get('/mw/on-behalf', delegated())).json()).toEqual({ sub: 'u-1', actor: ['reports'] });
  });
});
