import express from 'express';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../verifier/serve-app.js';
import { createBearerStrategy, createRequireAuth } from '../../../lib/express/index.js';
import { createVerifier, type AccessRequirements, type Verifier } from '../../../lib/verifier/index.js';
import { startTestIssuer, type TestIssuer } from '../verifier/test-issuer.js';

/** Issue 25 point 5: requireAuth (and the Passport strategy) take the gateway's step-up options and give its answer. */
let issuer: TestIssuer;
let verifier: Verifier;
let served: Awaited<ReturnType<typeof serveApp>>;

const ACR_MFA = 'urn:authgate:acr:mfa';
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer();
  verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri });
  const requireAuth = createRequireAuth(verifier, { realm: 'payouts' });
  const app = express();
  app.get('/mfa', requireAuth({ acr: 'mfa' }), (req, res) => res.json({ acr: req.auth!.claims.acr }));
  app.get('/recent', requireAuth({ maxAge: 300 }), (_req, res) => res.json({}));
  app.get('/both', requireAuth({ scopes: ['notes:read'], acr: 'mfa', maxAge: 60 }), (_req, res) => res.json({}));
  passport.use('step-up', createBearerStrategy(verifier, { realm: 'payouts', acr: 'mfa' }));
  app.use(passport.initialize());
  app.get('/pp/mfa', passport.authenticate('step-up', { session: false }), (_req, res) => res.json({}));
  served = await serveApp(app, [() => verifier.close(), () => issuer.close()]);
});
afterAll(() => served.close());

const get = (path: string, claims: Record<string, unknown>) => fetch(`${served.base}${path}`, { headers: { authorization: `Bearer ${issuer.sign({ claims })}` } });

describe('requireAuth({ acr, maxAge }): RFC 9470 step-up for services', () => {
  it.each([
    ['/mfa', { acr: 'urn:authgate:acr:pwd', auth_time: now() }, 'Bearer realm="payouts", error="insufficient_user_authentication", error_description="this resource needs a sign-in with a second factor", acr_values="urn:authgate:acr:mfa"'],
    ['/recent', { acr: ACR_MFA, auth_time: now() - 400 }, 'Bearer realm="payouts", error="insufficient_user_authentication", error_description="this resource needs a more recent sign-in", max_age="300"'],
    ['/both', { auth_time: now() }, 'Bearer realm="payouts", error="insufficient_user_authentication", error_description="this resource needs a sign-in with a second factor", acr_values="urn:authgate:acr:mfa", max_age="60"'],
    ['/pp/mfa', { acr: 'urn:authgate:acr:pwd' }, 'Bearer realm="payouts", error="insufficient_user_authentication", error_description="this resource needs a sign-in with a second factor", acr_values="urn:authgate:acr:mfa"'],
  ])('when %s gets a token that falls short, then 401 with the gateway\'s challenge and body', async (path, claims, challenge) => {
    const res = await get(path, claims);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(challenge);
    // Passport's fail() writes its own plain body; requireAuth renders the JSON error.
    if (!path.startsWith('/pp/')) expect(await res.json()).toMatchObject({ error: 'insufficient_user_authentication' });
  });

  it.each([
    ['/mfa', { acr: ACR_MFA }],
    ['/recent', { auth_time: now() - 200 }],
    ['/both', { acr: ACR_MFA, auth_time: now() - 10 }],
    ['/pp/mfa', { acr: ACR_MFA }],
  ])('when %s gets a token that meets it, then the handler runs', async (path, claims) => {
    expect((await get(path, claims)).status).toBe(200);
  });

  it('when a client credentials token comes, then 403: there is no user to step up', async () => {
    const res = await get('/mfa', { sub: 'svc', client_id: 'svc', acr: ACR_MFA });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).not.toContain('acr_values');
  });

  it.each([
    [{ acr: 'urn:authgate:acr:mfa' }, "acr must be 'mfa'"],
    [{ acr: 'MFA' }, "acr must be 'mfa'"],
    [{ maxAge: '300' }, 'maxAge must be a whole number of seconds'],
    [{ maxAge: -5 }, 'maxAge must be a whole number of seconds'],
  ])('when requireAuth is built with %j, then it throws naming the option (never a silently open route)', (requirements, message) => {
    const requireAuth = createRequireAuth(verifier);
    expect(() => requireAuth(requirements as unknown as AccessRequirements)).toThrow(message);
    expect(() => createBearerStrategy(verifier, requirements as unknown as AccessRequirements)).toThrow(message);
  });
});
