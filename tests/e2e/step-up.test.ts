import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { createLogger } from '../../lib/logger.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { startEchoUpstream, type EchoUpstream } from '../gateway/echo-upstream.js';
import { ingressAvailable, startIngress, type RunningIngress } from '../gateway/ingress-processes.js';
import { oathtoolAvailable, oathtoolCode } from '../support/oathtool.js';
import { AppBrowser, formFields } from './support/app-browser.js';

/**
 * Issue 25 point 5, end to end: openid-client as the app calls a step-up route through the
 * gateway (and through nginx asking the decision port), gets the RFC 9470 challenge, parses
 * `acr_values` / `max_age`, steps up through /oauth/authorize and retries.
 */
const SPA = 'payouts-spa';
const REDIRECT = 'http://localhost:5173/callback';
const AFTER_LOGOUT = 'http://localhost:5173/';
const ACR_MFA = 'urn:authgate:acr:mfa';
const MAX_AGE = 600;
/** The recent route's max_age: short, so a test can outwait it; long enough for a sign-in and a retry under load. */
const RECENT_MAX_AGE = 3;

let auth: IssuerTestAuth;
let upstream: EchoUpstream;
let gateway: RunningGateway;
let nginx: RunningIngress | undefined;
let config: client.Configuration;
const clients = new MemoryClientStore();
/** Codes come from oathtool (an independent RFC 6238 implementation); without it (outside CI) those tests skip. */
const totp = oathtoolAvailable();

beforeAll(async () => {
  auth = await startTestAuthAsIssuer({ clients });
  await clients.create({
    clientId: SPA,
    clientName: 'Payouts',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: ['authorization_code', 'refresh_token'],
    audiences: [],
    scopes: ['openid', 'profile', 'notes:read'],
    redirectUris: [REDIRECT],
    postLogoutRedirectUris: [AFTER_LOGOUT],
    firstParty: true,
  });
  upstream = await startEchoUpstream();
  const env = { UP: upstream.url };
  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/api/payouts', upstream: '${UP}', auth: 'required', acr: 'mfa', max_age: MAX_AGE },
        { prefix: '/api/recent', upstream: '${UP}', auth: 'required', max_age: RECENT_MAX_AGE },
        { prefix: '/api/notes', upstream: '${UP}', auth: 'required' },
        // startIngress waits for /public to answer 200 through the ingress.
        { prefix: '/public', upstream: '${UP}', auth: 'none' },
      ],
    },
    env,
  );
  const gatewayConfig = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: auth.issuer, LOG_LEVEL: 'silent' });
  gateway = await startGateway(gatewayConfig, { routes, env, logger: createLogger({ name: 'step-up', level: 'silent' }) });
  if (ingressAvailable('nginx')) nginx = await startIngress('nginx', gateway.decisionUrl, upstream.url);
  config = await client.discovery(new URL(auth.issuer), SPA, undefined, client.None(), { execute: [client.allowInsecureRequests] });
}, 60_000);

afterAll(async () => {
  await nginx?.close();
  await gateway?.close(500);
  await Promise.all([auth?.stop(), upstream?.close()]);
});

/** The app's sign-in: authorization code + PKCE through the hosted page, `extra` on the authorization URL. */
async function signIn(browser: AppBrowser, username: string, extra: Record<string, string> = {}): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile notes:read', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra });
  const answer = await browser.signIn(url, username, PASSWORD);
  const location = answer.headers.get('location');
  if (location === null || !location.startsWith(REDIRECT)) throw new Error(`sign-in of ${username} ended with ${answer.status}, not a redirect to the app`);
  return client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: state });
}

/**
 * Enrols TOTP for an existing `username` through the API (a first-party password login's token)
 * and returns the secret. (tests/auth/mfa/mfa-client.ts's enrolTotp registers the user itself:
 * these tests need the browser signed in before the factor exists.)
 */
async function enrolTotp(username: string): Promise<string> {
  const login = await post<{ access_token: string }>(auth.url, '/auth/login', { username, password: PASSWORD });
  expect(login.status).toBe(200);
  const enrolled = await post<{ secret: string }>(auth.url, '/auth/mfa/totp', {}, login.body.access_token);
  expect(enrolled.status).toBe(200);
  const confirmed = await post(auth.url, '/auth/mfa/totp/confirm', { code: oathtoolCode(enrolled.body.secret, auth.clock.now()) }, login.body.access_token);
  expect(confirmed.status).toBe(200);
  return enrolled.body.secret;
}

/** The authorization URL an app builds from a step-up challenge: the challenge's acr_values and max_age as they came. */
async function stepUpUrl(parameters: client.WWWAuthenticateChallengeParameters) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile notes:read',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(parameters.acr_values ? { acr_values: parameters.acr_values } : {}),
    ...(parameters.max_age ? { max_age: parameters.max_age } : {}),
  });
  return { url, redeem: (location: string) => client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: state }) };
}

/** What the app does: calls the resource with openid-client, and returns the step-up challenge's parameters (undefined: it passed). */
async function callAsApp(base: string, path: string, accessToken: string): Promise<client.WWWAuthenticateChallengeParameters | undefined> {
  try {
    const res = await client.fetchProtectedResource(config, accessToken, new URL(path, base), 'GET');
    expect(res.status).toBe(200);
    return undefined;
  } catch (err) {
    if (!(err instanceof client.WWWAuthenticateChallengeError)) throw err;
    expect(err.status).toBe(401);
    const challenge = err.cause.find((candidate) => candidate.scheme === 'bearer');
    expect(challenge?.parameters.error).toBe('insufficient_user_authentication');
    return challenge!.parameters;
  }
}

describe('step-up with openid-client (RFC 9470)', () => {
  it('when a password-only sign-in calls an acr: mfa route, then the gateway, nginx and the decision port give one challenge that openid-client parses', async () => {
    const registered = await post(auth.url, '/auth/register', { username: 'pat', password: PASSWORD });
    expect(registered.status).toBe(201);
    const tokens = await signIn(new AppBrowser(auth.issuer), 'pat');
    // The same token passes a route without step-up.
    expect(await callAsApp(gateway.url, '/api/notes/1', tokens.access_token)).toBeUndefined();

    const parameters = await callAsApp(gateway.url, '/api/payouts/1', tokens.access_token);
    expect(parameters).toMatchObject({ acr_values: ACR_MFA, max_age: String(MAX_AGE), realm: 'gateway' });
    const proxied = await fetch(`${gateway.url}/api/payouts/1`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const decided = await fetch(`${gateway.decisionUrl}/decide/auth-request`, { headers: { authorization: `Bearer ${tokens.access_token}`, 'x-original-method': 'GET', 'x-original-uri': '/api/payouts/1' } });
    expect(decided.status).toBe(401);
    expect(decided.headers.get('www-authenticate')).toBe(proxied.headers.get('www-authenticate'));
    if (nginx) {
      // nginx hands a 401's WWW-Authenticate on from its auth_request subrequest.
      expect(await callAsApp(nginx.url, '/api/payouts/1', tokens.access_token)).toEqual(parameters);
    }
    expect(upstream.received.filter((request) => request.url.startsWith('/api/payouts'))).toEqual([]);
  });

  it.runIf(totp)('when the user enrolled TOTP after a password-only sign-in, then acr_values makes the hosted page ask only for the code, the tokens say mfa and the retry passes', async () => {
    expect((await post(auth.url, '/auth/register', { username: 'sam', password: PASSWORD })).status).toBe(201);
    const browser = new AppBrowser(auth.issuer);
    const first = await signIn(browser, 'sam');
    const secret = await enrolTotp('sam');
    const parameters = await callAsApp(gateway.url, '/api/payouts/2', first.access_token);
    expect(parameters?.acr_values).toBe(ACR_MFA);

    const stepUp = await stepUpUrl(parameters!);
    const page = await browser.open(stepUp.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The login session is live: the second factor only, not the password again.
    expect(html).toContain('name="code"');
    expect(html).not.toContain('name="password"');
    // The next step's code: the confirmation spent this step's (RFC 6238 §5.2), one step of drift is allowed.
    const answered = await browser.post('/oauth/authorize', { ...formFields(html), code: oathtoolCode(secret, auth.clock.now() + 30_000) });
    expect(answered.status).toBe(303);
    const stepped = await stepUp.redeem(answered.headers.get('location')!);
    expect(decodeJwt(stepped.id_token!)).toMatchObject({ acr: ACR_MFA, amr: expect.arrayContaining(['pwd', 'otp', 'mfa']) });
    expect(decodeJwt(stepped.access_token)).toMatchObject({ acr: ACR_MFA });

    expect(await callAsApp(gateway.url, '/api/payouts/2', stepped.access_token)).toBeUndefined();
    if (nginx) expect(await callAsApp(nginx.url, '/api/payouts/2', stepped.access_token)).toBeUndefined();
    expect(upstream.received.filter((request) => request.url === '/api/payouts/2')).toHaveLength(nginx ? 2 : 1);

    // The step-up upgraded the browser's login session in place: logging out with the new ID token
    // also ends the tokens issued before it (a new session would have left them alive).
    const out = await browser.open(client.buildEndSessionUrl(config, { id_token_hint: stepped.id_token!, post_logout_redirect_uri: AFTER_LOGOUT }));
    expect(out.status).toBe(302);
    await expect(client.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, stepped.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it.runIf(totp)('when acr_values asks for mfa and prompt=none, then a password-only session gets login_required (no page can be shown)', async () => {
    expect((await post(auth.url, '/auth/register', { username: 'quiet', password: PASSWORD })).status).toBe(201);
    const browser = new AppBrowser(auth.issuer);
    await signIn(browser, 'quiet');
    await enrolTotp('quiet');
    const stepUp = await stepUpUrl({ acr_values: ACR_MFA });
    const url = new URL(stepUp.url);
    url.searchParams.set('prompt', 'none');
    const answer = await browser.open(url);
    expect(answer.status).toBe(302);
    expect(new URL(answer.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it('when the user has no second factor, then acr_values signs in with what there is, the tokens say pwd and the gateway refuses again (the app reads acr, not loops)', async () => {
    expect((await post(auth.url, '/auth/register', { username: 'nofactor', password: PASSWORD })).status).toBe(201);
    const browser = new AppBrowser(auth.issuer);
    const first = await signIn(browser, 'nofactor');
    const parameters = await callAsApp(gateway.url, '/api/payouts/3', first.access_token);
    const stepUp = await stepUpUrl(parameters!);
    // The live session is all the user can give: no page, straight back to the app.
    const answer = await browser.open(stepUp.url);
    expect(answer.status).toBe(302);
    const tokens = await stepUp.redeem(answer.headers.get('location')!);
    expect(decodeJwt(tokens.id_token!).acr).toBe('urn:authgate:acr:pwd');
    expect(await callAsApp(gateway.url, '/api/payouts/3', tokens.access_token)).toMatchObject({ acr_values: ACR_MFA });
  });

  it('when the sign-in is older than a route\'s max_age, then the challenge names max_age, the hosted page asks the password again and the retry passes', async () => {
    expect((await post(auth.url, '/auth/register', { username: 'riley', password: PASSWORD })).status).toBe(201);
    const browser = new AppBrowser(auth.issuer);
    const first = await signIn(browser, 'riley');
    expect(await callAsApp(gateway.url, '/api/recent/1', first.access_token)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, (RECENT_MAX_AGE + 1) * 1000));
    const parameters = await callAsApp(gateway.url, '/api/recent/1', first.access_token);
    expect(parameters).toMatchObject({ max_age: String(RECENT_MAX_AGE) });
    expect(parameters?.acr_values).toBeUndefined();

    const stepUp = await stepUpUrl(parameters!);
    const page = await browser.open(stepUp.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="password"');
    const answered = await browser.post('/oauth/authorize', { ...formFields(html), username: 'riley', password: PASSWORD });
    const tokens = await stepUp.redeem(answered.headers.get('location')!);
    expect(await callAsApp(gateway.url, '/api/recent/1', tokens.access_token)).toBeUndefined();
  }, 20_000);
});
