import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, get, post } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { AppBrowser, formFields } from './support/app-browser.js';

const APP = 'table-app';
const OTHER = 'other-app';
const REDIRECT = 'https://app.example/cb';
const verifier = () => randomBytes(32).toString('base64url');
const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url');

describe('apps: bad authorize and token requests, CSRF and throttling of the login page', () => {
  let auth: TestAuth;
  const clients = new MemoryClientStore();
  beforeAll(async () => {
    auth = await startTestAuth({ clients, env: { LOGIN_MAX_FAILURES: '3' } });
    const base = { tokenEndpointAuthMethods: ['none' as const], grantTypes: ['authorization_code' as const, 'refresh_token' as const], audiences: [], scopes: ['openid', 'profile'], firstParty: true };
    await clients.create({ ...base, clientId: APP, redirectUris: [REDIRECT, 'https://app.example/other'] });
    await clients.create({ ...base, clientId: OTHER, redirectUris: ['https://other.example/cb'] });
    await post(auth.url, '/auth/register', { username: 'bob', password: PASSWORD });
  });
  afterAll(() => auth?.stop());

  const good = (v = verifier()) => ({ client_id: APP, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: challengeOf(v), code_challenge_method: 'S256', state: 'st' });
  const authorizeUrl = (params: Record<string, string> | [string, string][]) => `${auth.url}/oauth/authorize?${new URLSearchParams(params)}`;

  it.each([
    ['no client_id', { ...good(), client_id: '' }],
    ['an unknown client', { ...good(), client_id: 'nobody' }],
    ['an unregistered redirect_uri', { ...good(), redirect_uri: 'https://evil.example/cb' }],
    ['a redirect_uri differing by a trailing slash', { ...good(), redirect_uri: `${REDIRECT}/` }],
    ['no redirect_uri while two are registered', (({ redirect_uri: _r, ...rest }) => rest)(good())],
  ])('when authorize gets %s, then an error page and never a redirect', async (_name, params) => {
    const res = await fetch(authorizeUrl(params as Record<string, string>), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it.each([
    ['response_type=token', { ...good(), response_type: 'token' }, 'unsupported_response_type'],
    ['no code_challenge', { ...good(), code_challenge: '' }, 'invalid_request'],
    ['code_challenge_method=plain', { ...good(), code_challenge_method: 'plain' }, 'invalid_request'],
    ['a short code_challenge', { ...good(), code_challenge: 'abc' }, 'invalid_request'],
    ['a scope the client lacks', { ...good(), scope: 'openid admin' }, 'invalid_scope'],
    ['an unknown prompt', { ...good(), prompt: 'select_account' }, 'invalid_request'],
    ['a non-numeric max_age', { ...good(), max_age: 'soon' }, 'invalid_request'],
    ['a repeated scope parameter', [...Object.entries(good()), ['scope', 'profile']] as [string, string][], 'invalid_request'],
    ['a repeated acr_values parameter', [...Object.entries(good()), ['acr_values', 'urn:authgate:acr:mfa'], ['acr_values', 'urn:authgate:acr:pwd']] as [string, string][], 'invalid_request'],
    ['an acr_values of 600 characters', { ...good(), acr_values: 'x'.repeat(600) }, 'invalid_request'],
  ])('when authorize gets %s, then the app is sent %s with its state and the RFC 9207 iss', async (_name, params, error) => {
    const res = await fetch(authorizeUrl(params as Record<string, string>), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('st');
    expect(location.searchParams.get('iss')).toBe(auth.config.AUTH_ISSUER);
  });

  async function codeFor(v: string, clientId = APP, redirectUri = REDIRECT): Promise<string> {
    const browser = new AppBrowser(auth.url);
    const params = { ...good(v), client_id: clientId, redirect_uri: redirectUri };
    const res = await browser.signIn(new URL(authorizeUrl(params)), 'bob', PASSWORD);
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  }
  const redeem = (fields: Record<string, string>) => postForm(auth.url, '/oauth/token', { grant_type: 'authorization_code', client_id: APP, redirect_uri: REDIRECT, ...fields });

  it.each([
    ['no code_verifier', async (v: string) => ({ code: await codeFor(v) }), 'invalid_request'],
    ['a wrong code_verifier', async (v: string) => ({ code: await codeFor(v), code_verifier: verifier() }), 'invalid_grant'],
    ['a mismatched redirect_uri', async (v: string) => ({ code: await codeFor(v), code_verifier: v, redirect_uri: 'https://app.example/other' }), 'invalid_grant'],
    ['the code of another client', async (v: string) => ({ code: await codeFor(v, OTHER, 'https://other.example/cb'), code_verifier: v }), 'invalid_grant'],
    ['a made-up code', async (v: string) => ({ code: 'x'.repeat(43), code_verifier: v }), 'invalid_grant'],
  ])('when the token endpoint gets %s, then 400 %s', async (_name, build, error) => {
    const v = verifier();
    const res = await redeem(await build(v));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });

  it('when a code is older than 60 s, then it is invalid_grant', async () => {
    const v = verifier();
    const code = await codeFor(v);
    auth.clock.advance(61_000);
    const res = await redeem({ code, code_verifier: v });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('when a code is replayed, then it is refused and the tokens it gave are revoked', async () => {
    const v = verifier();
    const code = await codeFor(v);
    const first = await redeem({ code, code_verifier: v });
    expect(first.status).toBe(200);
    expect((await get(auth.url, '/auth/me', first.body.access_token)).status).toBe(200);
    const replay = await redeem({ code, code_verifier: v });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await get(auth.url, '/auth/me', first.body.access_token)).status).toBe(401);
    const refresh = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', client_id: APP, refresh_token: first.body.refresh_token });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('when the login form is posted without its CSRF cookie or with another token, then 403 and no session', async () => {
    const browser = new AppBrowser(auth.url);
    const page = await browser.open(authorizeUrl(good()));
    const fields = { ...formFields(await page.text()), username: 'bob', password: PASSWORD };
    const forged = await new AppBrowser(auth.url).post('/oauth/authorize', fields);
    expect(forged.status).toBe(403);
    expect(forged.headers.getSetCookie().join()).not.toContain('auth_session=');
    const wrong = await browser.post('/oauth/authorize', { ...fields, csrf: 'x'.repeat(32) });
    expect(wrong.status).toBe(403);
  });

  it('when the password is wrong, then the page says so with 401; after the limit, 429 with Retry-After even for the right password', async () => {
    await post(auth.url, '/auth/register', { username: 'carol', password: PASSWORD });
    const browser = new AppBrowser(auth.url);
    const wrong = await browser.signIn(new URL(authorizeUrl(good())), 'carol', 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('The username or password is incorrect.');
    const unknown = await browser.signIn(new URL(authorizeUrl(good())), 'nobody-here', 'not the password at all');
    expect(unknown.status).toBe(401);
    for (let i = 0; i < 2; i++) await browser.signIn(new URL(authorizeUrl(good())), 'carol', 'not the password at all');
    const limited = await browser.signIn(new URL(authorizeUrl(good())), 'carol', PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
