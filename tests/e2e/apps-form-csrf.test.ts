import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { AppBrowser, formFields } from './support/app-browser.js';

const THIRD = 'csrf-third-party';
const REDIRECT = 'https://third.example/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** What a sibling host (evil.example.com next to auth.example.com) can do: set a cookie it chose for the parent domain. */
const PLANTED = 'planted-by-a-sibling-host-0123456789abcdef';

describe('apps: the hosted forms\' CSRF token is bound to the browser, not a plain double submit', () => {
  let auth: TestAuth;
  const clients = new MemoryClientStore();
  beforeAll(async () => {
    auth = await startTestAuth({ clients });
    await clients.create({ clientId: THIRD, tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code'], audiences: [], scopes: ['openid', 'profile'], redirectUris: [REDIRECT] });
    await post(auth.url, '/auth/register', { username: 'frank', password: PASSWORD });
  });
  afterAll(() => auth?.stop());

  const authorizeUrl = () =>
    `${auth.url}/oauth/authorize?${new URLSearchParams({ client_id: THIRD, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'csrf' })}`;

  it('when a planted CSRF cookie comes with the same value in the login form, then 403 and no session', async () => {
    const browser = new AppBrowser(auth.url);
    const fields = formFields(await (await browser.open(authorizeUrl())).text());
    const victim = new AppBrowser(auth.url);
    victim.jar.put('auth_form_csrf', PLANTED, '/oauth');
    const forged = await victim.post('/oauth/authorize', { ...fields, csrf: PLANTED, username: 'frank', password: PASSWORD });
    expect(forged.status).toBe(403);
    expect(victim.jar.get('auth_session')).toBeUndefined();
  });

  it('when a signed-in user gets a planted CSRF cookie and a matching consent post, then 403 and no code', async () => {
    const victim = new AppBrowser(auth.url);
    const consent = await victim.signIn(new URL(authorizeUrl()), 'frank', PASSWORD);
    expect(consent.status).toBe(200);
    const fields = formFields(await consent.text());
    // The attacker replaces the secret cookie and posts "allow" with the value it knows.
    victim.jar.put('auth_form_csrf', PLANTED, '/oauth');
    const forged = await victim.post('/oauth/authorize', { ...fields, csrf: PLANTED, decision: 'allow' });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('when a form token made for another browser is replayed with that browser\'s cookie but the victim\'s session, then 403', async () => {
    // The attacker's own genuine pair (its cookie secret and form token, before any session)...
    const attacker = new AppBrowser(auth.url);
    const attackerFields = formFields(await (await attacker.open(authorizeUrl())).text());
    const attackerSecret = attacker.jar.get('auth_form_csrf')!;
    // ...planted in a browser that has a login session: the token is bound to no session, so it fails.
    const victim = new AppBrowser(auth.url);
    expect((await victim.signIn(new URL(authorizeUrl()), 'frank', PASSWORD)).status).toBe(200);
    victim.jar.put('auth_form_csrf', attackerSecret, '/oauth');
    const forged = await victim.post('/oauth/authorize', { ...attackerFields, decision: 'allow', step: 'consent' });
    expect(forged.status).toBe(403);
  });

  it('when the pages are posted as served, then sign-in and consent go through', async () => {
    const browser = new AppBrowser(auth.url);
    const consent = await browser.signIn(new URL(authorizeUrl()), 'frank', PASSWORD);
    expect(consent.status).toBe(200);
    const allowed = await browser.post('/oauth/authorize', { ...formFields(await consent.text()), decision: 'allow' });
    expect(allowed.status).toBe(303);
    expect(new URL(allowed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});
