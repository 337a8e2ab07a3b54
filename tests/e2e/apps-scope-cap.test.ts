import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { AppBrowser, formFields } from './support/app-browser.js';

const FIRST = 'admin-console';
const THIRD = 'wide-third-party';
const REDIRECT = 'https://console.example/cb';
const THIRD_REDIRECT = 'https://third.example/cb';

describe("apps: an app's sign-in grants no scope the user's own tokens do not carry", () => {
  let auth: TestAuth;
  const clients = new MemoryClientStore();
  beforeAll(async () => {
    // DEFAULT_USER_SCOPES is the default `notes:read notes:write reports:read`; `admin:users` is no user's.
    auth = await startTestAuth({ clients });
    const base = { tokenEndpointAuthMethods: ['none' as const], grantTypes: ['authorization_code' as const, 'refresh_token' as const], audiences: [] };
    await clients.create({ ...base, clientId: FIRST, scopes: ['openid', 'profile', 'offline_access', 'notes:read', 'admin:users'], redirectUris: [REDIRECT], firstParty: true });
    await clients.create({ ...base, clientId: THIRD, scopes: ['openid', 'notes:read', 'admin:users'], redirectUris: [THIRD_REDIRECT] });
    await post(auth.url, '/auth/register', { username: 'erin', password: PASSWORD });
  });
  afterAll(() => auth?.stop());

  function authorizeUrl(scope: string, clientId = FIRST, redirectUri = REDIRECT) {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope, code_challenge: challenge, code_challenge_method: 'S256', state: 'cap' });
    return { url: new URL(`${auth.url}/oauth/authorize?${query}`), verifier };
  }

  it('when an app asks for a scope it is registered with but users do not have, then the token carries only the scopes the user has', async () => {
    const { url, verifier } = authorizeUrl('openid profile offline_access notes:read admin:users');
    const answer = await new AppBrowser(auth.url).signIn(url, 'erin', PASSWORD);
    expect(answer.status).toBe(303);
    const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
    const tokens = await postForm(auth.url, '/oauth/token', { grant_type: 'authorization_code', client_id: FIRST, redirect_uri: REDIRECT, code, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope.split(' ').sort()).toEqual(['notes:read', 'offline_access', 'openid', 'profile']);
    expect(decodeJwt(tokens.body.access_token).scope).toBe(tokens.body.scope);
  });

  it('when an app asks only for scopes the user does not have, then it gets invalid_scope with its state and iss, and no code', async () => {
    const { url } = authorizeUrl('admin:users');
    const answer = await new AppBrowser(auth.url).signIn(url, 'erin', PASSWORD);
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('state')).toBe('cap');
    expect(location.searchParams.get('iss')).toBe(auth.config.AUTH_ISSUER);
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('when a third-party app asks for more than the user has, then the consent page lists and remembers only what can be granted', async () => {
    const browser = new AppBrowser(auth.url);
    const consent = await browser.signIn(authorizeUrl('openid notes:read admin:users', THIRD, THIRD_REDIRECT).url, 'erin', PASSWORD);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    const listed = [...html.matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1]);
    expect(listed).toEqual(['Know who you are (openid)', 'notes:read']);
    const allowed = await browser.post('/oauth/authorize', { ...formFields(html), decision: 'allow' });
    expect(new URL(allowed.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});
