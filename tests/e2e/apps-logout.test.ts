import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { AppBrowser, formFields } from './support/app-browser.js';

const SPA = 'logout-spa';
const OTHER = 'logout-other';
const REDIRECT = 'http://localhost:5173/callback';
const AFTER_LOGOUT = 'http://localhost:5173/';

interface SignedIn {
  browser: AppBrowser;
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

describe('apps: RP-initiated logout needs a valid id_token_hint of the signed-in user, or the user\'s confirmation', () => {
  let auth: TestAuth;
  let issuer: string;
  const clients = new MemoryClientStore();
  const users: Record<string, string> = {};

  beforeAll(async () => {
    auth = await startTestAuth({ clients });
    issuer = auth.config.AUTH_ISSUER;
    const base = { tokenEndpointAuthMethods: ['none' as const], grantTypes: ['authorization_code' as const, 'refresh_token' as const], audiences: [], scopes: ['openid', 'profile'], firstParty: true };
    await clients.create({ ...base, clientId: SPA, clientName: 'Logout SPA', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT] });
    await clients.create({ ...base, clientId: OTHER, redirectUris: ['https://other.example/cb'] });
    for (const name of ['gina', 'hank']) users[name] = (await post(auth.url, '/auth/register', { username: name, password: PASSWORD })).body.id;
  });
  afterAll(() => auth?.stop());

  function authorizeUrl(extra: Record<string, string> = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ client_id: SPA, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256', state: 's', ...extra });
    return { url: new URL(`${auth.url}/oauth/authorize?${query}`), verifier };
  }

  async function signIn(username: string): Promise<SignedIn> {
    const browser = new AppBrowser(auth.url);
    const { url, verifier } = authorizeUrl();
    const answer = await browser.signIn(url, username, PASSWORD);
    const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
    const tokens = await postForm(auth.url, '/oauth/token', { grant_type: 'authorization_code', client_id: SPA, redirect_uri: REDIRECT, code, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    return { browser, idToken: tokens.body.id_token, accessToken: tokens.body.access_token, refreshToken: tokens.body.refresh_token };
  }

  /** Whether the browser's login session still lets an app in without the password. */
  async function sessionAlive(browser: AppBrowser): Promise<boolean> {
    const res = await browser.open(authorizeUrl({ prompt: 'none' }).url);
    return new URL(res.headers.get('location')!).searchParams.get('code') !== null;
  }

  const logoutUrl = (params: Record<string, string>) => `${auth.url}/oauth/logout?${new URLSearchParams(params)}`;

  async function ourKid(): Promise<string> {
    return ((await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
  }

  async function foreignSigned(sub: string): Promise<string> {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: 'x' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: await ourKid() })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(SPA)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
  }

  const unsigned = (sub: string) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: issuer, sub, aud: SPA, exp: Math.floor(Date.now() / 1000) + 300 })}.`;
  };

  it.each([
    ['no id_token_hint', async () => ({})],
    ['an unsigned hint', async () => ({ id_token_hint: unsigned(users.gina!) })],
    ['a hint signed by another key under our kid', async () => ({ id_token_hint: await foreignSigned(users.gina!) })],
    ['our access token as the hint', async (me: SignedIn) => ({ id_token_hint: me.accessToken })],
    ['a valid hint of another user', async () => ({ id_token_hint: (await signIn('hank')).idToken })],
  ])('when a page navigates to logout with %s, then a confirmation page is shown and nothing is ended', async (_name, hintOf) => {
    const me = await signIn('gina');
    const res = await me.browser.open(logoutUrl({ client_id: SPA, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye', ...(await hintOf(me)) }));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self' http://localhost:5173");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('Sign out?');
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost:5173)/);
    expect(res.headers.getSetCookie().join()).not.toContain('auth_session=');
    expect(await sessionAlive(me.browser)).toBe(true);
    const refreshed = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', client_id: SPA, refresh_token: me.refreshToken });
    expect(refreshed.status).toBe(200);
  });

  it('when the confirmation is posted without its CSRF token or with a planted pair, then 403 and the session lives', async () => {
    const me = await signIn('gina');
    const page = await me.browser.open(logoutUrl({ client_id: SPA }));
    const fields = formFields(await page.text());
    const { csrf: _csrf, ...withoutCsrf } = fields;
    expect((await me.browser.post('/oauth/logout', withoutCsrf)).status).toBe(403);
    me.browser.jar.put('auth_form_csrf', 'planted-by-a-sibling-host-0123456789abcdef', '/oauth');
    expect((await me.browser.post('/oauth/logout', { ...fields, csrf: 'planted-by-a-sibling-host-0123456789abcdef' })).status).toBe(403);
    expect(await sessionAlive(me.browser)).toBe(true);
  });

  it('when the user confirms, then the session and its tokens end and the browser returns to the registered URI with its state', async () => {
    const me = await signIn('gina');
    const page = await me.browser.open(logoutUrl({ client_id: SPA, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' }));
    const out = await me.browser.post('/oauth/logout', formFields(await page.text()));
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`${AFTER_LOGOUT}?state=bye`);
    expect(me.browser.jar.get('auth_session')).toBeUndefined();
    const refreshed = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', client_id: SPA, refresh_token: me.refreshToken });
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await fetch(`${auth.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${me.accessToken}` } })).status).toBe(401);
  });

  it('when the app sends a valid hint of the signed-in user, even expired, then the logout happens at once as before', async () => {
    const me = await signIn('gina');
    auth.clock.advance(600_000); // the ID token lived 300 s; the spec lets an expired hint through
    const out = await me.browser.open(logoutUrl({ id_token_hint: me.idToken, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' }));
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(`${AFTER_LOGOUT}?state=bye`);
    expect(me.browser.jar.get('auth_session')).toBeUndefined();
    const refreshed = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', client_id: SPA, refresh_token: me.refreshToken });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it.each([
    ['an unregistered post_logout_redirect_uri', (me: SignedIn) => ({ id_token_hint: me.idToken, post_logout_redirect_uri: 'https://evil.example/' })],
    ['a URI with a client_id but no hint, unregistered for it', () => ({ client_id: SPA, post_logout_redirect_uri: 'https://evil.example/' })],
    ['a URI and no client at all', () => ({ post_logout_redirect_uri: AFTER_LOGOUT })],
    ['a client_id that is not the hint\'s audience', (me: SignedIn) => ({ id_token_hint: me.idToken, client_id: OTHER })],
  ])('when logout gets %s, then an error page, no redirect, and the session lives', async (_name, paramsOf) => {
    const me = await signIn('gina');
    const res = await me.browser.open(logoutUrl(paramsOf(me)));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await sessionAlive(me.browser)).toBe(true);
  });

  it('when a browser without a login session is sent to logout, then it goes to the registered URI without a question', async () => {
    const res = await new AppBrowser(auth.url).open(logoutUrl({ client_id: SPA, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye' }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${AFTER_LOGOUT}?state=bye`);
  });
});
