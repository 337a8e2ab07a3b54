import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../gateway/route-config.js';
import { createLogger } from '../../lib/logger.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { startEchoUpstream, type EchoUpstream } from '../gateway/echo-upstream.js';
import { ingressAvailable, startIngress, type RunningIngress } from '../gateway/ingress-processes.js';
import { AppBrowser } from './support/app-browser.js';

/**
 * Issue 25 point 5, end to end: openid-client as the app calls a step-up route through the
 * gateway (and through nginx asking the decision port), gets the RFC 9470 challenge, parses
 * `acr_values` / `max_age`, steps up through /oauth/authorize and retries.
 */
const SPA = 'payouts-spa';
const REDIRECT = 'http://localhost:5173/callback';
const ACR_MFA = 'urn:authgate:acr:mfa';
const MAX_AGE = 600;

let auth: IssuerTestAuth;
let upstream: EchoUpstream;
let gateway: RunningGateway;
let nginx: RunningIngress | undefined;
let config: client.Configuration;
const clients = new MemoryClientStore();

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
    firstParty: true,
  });
  upstream = await startEchoUpstream();
  const env = { UP: upstream.url };
  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/api/payouts', upstream: '${UP}', auth: 'required', acr: 'mfa', max_age: MAX_AGE },
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
});
