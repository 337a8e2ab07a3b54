import * as client from 'openid-client';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { AppBrowser, formFields } from './support/app-browser.js';

const SPA = 'notes-spa';
const THIRD = 'third-party-app';
const REDIRECT = 'http://localhost:5173/callback';
const AFTER_LOGOUT = 'http://localhost:5173/';

describe('apps: authorization code + PKCE and OpenID Connect with openid-client', () => {
  let auth: TestAuth;
  let issuer: string;
  let config: client.Configuration;
  const clients = new MemoryClientStore();
  let userId: string;

  beforeAll(async () => {
    auth = await startTestAuthAsIssuer({ clients });
    issuer = auth.config.AUTH_ISSUER;
    const base = { tokenEndpointAuthMethods: ['none' as const], grantTypes: ['authorization_code' as const, 'refresh_token' as const], audiences: [] };
    await clients.create({ ...base, clientId: SPA, clientName: 'Notes', scopes: ['openid', 'profile', 'email', 'notes:read'], redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT], firstParty: true });
    await clients.create({ ...base, clientId: THIRD, clientName: 'Third Party', scopes: ['openid', 'profile'], redirectUris: ['https://third.example/cb'] });
    const registered = await post(auth.url, '/auth/register', { username: 'alice', password: PASSWORD, email: 'alice@example.com' });
    userId = registered.body.id;
    config = await client.discovery(new URL(issuer), SPA, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  });
  afterAll(() => auth?.stop());

  async function authorizationUrl(extra: Record<string, string> = {}, clientId = SPA, redirectUri = REDIRECT) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid profile email notes:read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  it('when discovery is read, then it lists exactly the app endpoints served', () => {
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      authorization_endpoint: `${issuer}/oauth/authorize`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      end_session_endpoint: `${issuer}/oauth/logout`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange']);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['sub', 'auth_time', 'nonce', 'sid']));
  });

  it('when a user signs in on the hosted page, then openid-client gets tokens and an RS256 ID token, userinfo answers, refresh rotates', async () => {
    const browser = new AppBrowser(issuer);
    const { url, verifier, state, nonce } = await authorizationUrl();
    const page = await browser.open(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const answer = await browser.signIn(url, 'alice', PASSWORD);
    expect(answer.status).toBe(303);
    const callback = new URL(answer.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(browser.jar.get('auth_session')).toBeTruthy();

    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toBeTruthy();
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: issuer, sub: userId, aud: SPA, nonce });
    expect(typeof claims.auth_time).toBe('number');
    // How the user signed in, the same in the ID token, the access token and userinfo.
    expect(claims).toMatchObject({ amr: ['pwd'], acr: 'urn:authgate:acr:pwd' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ auth_time: claims.auth_time, amr: ['pwd'], acr: 'urn:authgate:acr:pwd' });
    expect(typeof claims.sid).toBe('string');
    // One session id for the ID token and the access token of one sign-in (what back-channel logout names).
    expect(decodeJwt(tokens.access_token).sid).toBe(claims.sid);
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), { issuer, audience: SPA, algorithms: ['RS256'] });

    const info = await client.fetchUserInfo(config, tokens.access_token, userId);
    expect(info).toEqual({ sub: userId, preferred_username: 'alice', email: 'alice@example.com', email_verified: false, auth_time: claims.auth_time, amr: ['pwd'], acr: 'urn:authgate:acr:pwd' });
    const viaPost = await fetch(`${issuer}/oauth/userinfo`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await viaPost.json()).toMatchObject({ sub: userId });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // A retry inside the grace window gets the same successor (the existing reuse rules).
    const retry = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: SPA });
    expect(retry.body.refresh_token).toBe(refreshed.refresh_token);
  });

  it('when a second app asks while the login session lives, then no password is asked (SSO); prompt=login and max_age=0 ask again', async () => {
    const browser = new AppBrowser(issuer);
    const first = await authorizationUrl();
    expect((await browser.signIn(first.url, 'alice', PASSWORD)).status).toBe(303);
    const again = await authorizationUrl();
    const sso = await browser.open(again.url);
    expect(sso.status).toBe(302);
    expect(new URL(sso.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      const forced = await browser.open((await authorizationUrl(extra)).url);
      expect(forced.status).toBe(200);
      expect(await forced.text()).toContain('name="password"');
    }
  });

  it('when prompt=none has no login session, then the app gets login_required with its state', async () => {
    const { url, state } = await authorizationUrl({ prompt: 'none' });
    const res = await new AppBrowser(issuer).open(url);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('login_required');
    expect(location.searchParams.get('state')).toBe(state);
  });

  it('when a third-party app asks, then consent is shown once, remembered, and denial is access_denied', async () => {
    const browser = new AppBrowser(issuer);
    const ask = () => authorizationUrl({ scope: 'openid profile' }, THIRD, 'https://third.example/cb');
    const consent = await browser.signIn((await ask()).url, 'alice', PASSWORD);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    expect(html).toContain('Allow access?');
    expect(html).toContain('See your username');
    const denied = await browser.post('/oauth/authorize', { ...formFields(html), decision: 'deny' });
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');

    const again = await browser.open((await ask()).url);
    const allowed = await browser.post('/oauth/authorize', { ...formFields(await again.text()), decision: 'allow' });
    expect(new URL(allowed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const remembered = await browser.open((await ask()).url);
    expect(remembered.status).toBe(302);
    expect(new URL(remembered.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('when the app logs out with its id_token_hint, then the session, its refresh tokens and its access tokens end and the browser returns to the registered URI only', async () => {
    const browser = new AppBrowser(issuer);
    const { url, verifier, state, nonce } = await authorizationUrl();
    const callback = new URL((await browser.signIn(url, 'alice', PASSWORD)).headers.get('location')!);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });

    const bad = await browser.open(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();

    const second = await authorizationUrl();
    const callback2 = new URL((await browser.signIn(second.url, 'alice', PASSWORD)).headers.get('location')!);
    const tokens2 = await client.authorizationCodeGrant(config, callback2, { pkceCodeVerifier: second.verifier, expectedState: second.state, expectedNonce: second.nonce });
    const out = await browser.open(client.buildEndSessionUrl(config, { id_token_hint: tokens2.id_token!, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' }));
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(`${AFTER_LOGOUT}?state=bye`);
    expect(browser.jar.get('auth_session')).toBeUndefined();
    await expect(client.refreshTokenGrant(config, tokens2.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The access tokens of the session end too, by their sid: userinfo refuses them at once.
    expect((await fetch(`${issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens2.access_token}` } })).status).toBe(401);
    const next = await browser.open((await authorizationUrl({ prompt: 'none' })).url);
    expect(new URL(next.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });
});
