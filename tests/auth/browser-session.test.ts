import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, setCookiesOf } from '../support/cookie-jar.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { PASSWORD, post } from './support/http-client.js';

/**
 * The auth service's cookie mode, called directly (no gateway): cookie attributes, the CSRF proof
 * it checks itself, rotation with reuse detection, and logout.
 */
const ORIGIN = 'https://app.example';
const ACCESS_TTL = 600;
const REFRESH_TTL = 3600;

let auth: TestAuth;
beforeAll(async () => {
  auth = await startTestAuth({
    env: {
      ALLOWED_ORIGINS: `${ORIGIN},http://localhost:8080`,
      ACCESS_TOKEN_TTL: String(ACCESS_TTL),
      REFRESH_TOKEN_TTL: String(REFRESH_TTL),
      // Any second use of a spent refresh token is reuse: no grace window to wait out.
      REFRESH_REUSE_GRACE_SECONDS: '0',
      LOGIN_MAX_FAILURES: '3',
    },
  });
});
afterAll(() => auth?.stop());

interface CallOptions {
  method?: string;
  jar?: CookieJar;
  json?: unknown;
  /** Origin header; null sends none. Default ORIGIN. */
  origin?: string | null;
  /** X-CSRF-Token; default the jar's csrf_token, false sends none. */
  csrf?: string | false;
  headers?: Record<string, string>;
}

async function call(path: string, { method = 'POST', jar, json, origin = ORIGIN, csrf, headers = {} }: CallOptions = {}) {
  const csrfValue = csrf === false ? undefined : (csrf ?? jar?.get('csrf_token'));
  const cookie = jar?.header(path);
  const res = await fetch(`${auth.url}${path}`, {
    method,
    headers: {
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(origin === null ? {} : { origin }),
      ...(cookie ? { cookie } : {}),
      ...(csrfValue ? { 'x-csrf-token': csrfValue } : {}),
      ...headers,
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  jar?.store(res.headers, path);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
}

let users = 0;
async function loggedIn(): Promise<{ jar: CookieJar; username: string }> {
  const username = `browser-${++users}`;
  expect((await post(auth.url, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
  const jar = new CookieJar();
  const res = await call('/auth/session', { jar, json: { username, password: PASSWORD } });
  expect(res.status).toBe(204);
  return { jar, username };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('POST /auth/session', () => {
  it('when the password is right, then 204 with the access, refresh and csrf cookies and their attributes', async () => {
    await post(auth.url, '/auth/register', { username: 'attrs', password: PASSWORD });
    const res = await fetch(`${auth.url}/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ username: 'attrs', password: PASSWORD }),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('');
    const cookies = setCookiesOf(res.headers);
    expect([...cookies.keys()].sort()).toEqual(['access_token', 'csrf_token', 'refresh_token']);

    const access = cookies.get('access_token')!;
    expect(Object.fromEntries(access.attributes)).toEqual({ path: '/', 'max-age': String(ACCESS_TTL), httponly: '', secure: '', samesite: 'Lax' });
    const refresh = cookies.get('refresh_token')!;
    expect(Object.fromEntries(refresh.attributes)).toEqual({ path: '/auth', 'max-age': String(REFRESH_TTL), httponly: '', secure: '', samesite: 'Strict' });
    const csrf = cookies.get('csrf_token')!;
    expect(Object.fromEntries(csrf.attributes)).toEqual({ path: '/', 'max-age': String(REFRESH_TTL), secure: '', samesite: 'Lax' });
    expect(csrf.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // No Domain attribute: host-only cookies, never shared with sibling hosts.
    for (const cookie of cookies.values()) expect(cookie.attributes.has('domain')).toBe(false);

    // The cookie is the signed token itself (no server-side session id): it works as a Bearer token.
    const header = JSON.parse(Buffer.from(access.value.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    const me = await fetch(`${auth.url}/auth/me`, { headers: bearer(access.value) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'attrs' });
  });

  it.each([
    { name: 'a wrong password', body: { username: 'attrs', password: 'not the password at all' }, status: 401, error: 'invalid_grant' },
    { name: 'an unknown user', body: { username: 'nobody-here', password: PASSWORD }, status: 401, error: 'invalid_grant' },
    { name: 'a missing password', body: { username: 'attrs' }, status: 400, error: 'invalid_request' },
  ])('when the body has $name, then $status $error and no cookie', async ({ body, status, error }) => {
    const res = await call('/auth/session', { json: body });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('when the page posting the login is on a foreign origin, then 403 csrf_failed and no cookie (login CSRF)', async () => {
    const res = await call('/auth/session', { json: { username: 'attrs', password: PASSWORD }, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'csrf_failed' });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('when a form posts the login as text/plain, then 415 and no cookie', async () => {
    const res = await fetch(`${auth.url}/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN },
      body: JSON.stringify({ username: 'attrs', password: PASSWORD }),
    });
    expect(res.status).toBe(415);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('when an account keeps failing, then the session login is throttled like the API login (429 Retry-After)', async () => {
    await post(auth.url, '/auth/register', { username: 'throttled', password: PASSWORD });
    const wrong = { username: 'throttled', password: 'wrong password, again' };
    for (let i = 0; i < 3; i++) expect((await call('/auth/session', { json: wrong })).status).toBe(401);
    const refused = await call('/auth/session', { json: { username: 'throttled', password: PASSWORD } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // The API login shares the count.
    expect((await post(auth.url, '/auth/login', { username: 'throttled', password: PASSWORD })).status).toBe(429);
  });
});

describe('CSRF proof on the cookie-authenticated session endpoints', () => {
  it.each([
    { name: 'no X-CSRF-Token header', options: { csrf: false as const }, code: 'csrf_failed' },
    { name: 'a mismatching X-CSRF-Token', options: { csrf: 'A'.repeat(43) }, code: 'csrf_failed' },
    { name: 'a foreign Origin', options: { origin: 'https://evil.example' }, code: 'csrf_failed' },
    { name: 'an opaque Origin (null)', options: { origin: 'null' }, code: 'csrf_failed' },
    { name: 'neither Origin nor Referer', options: { origin: null }, code: 'csrf_failed' },
    { name: 'a foreign Referer and no Origin', options: { origin: null, headers: { referer: 'https://evil.example/page' } }, code: 'csrf_failed' },
  ])('when refresh or logout comes with $name, then 403 csrf_failed and the session is untouched', async ({ options }) => {
    const { jar } = await loggedIn();
    const before = jar.get('refresh_token');
    for (const [path, method] of [['/auth/session/refresh', 'POST'], ['/auth/session', 'DELETE']] as const) {
      const res = await call(path, { method, jar, ...options });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'csrf_failed', error_description: expect.any(String) });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(jar.get('refresh_token')).toBe(before);
    expect((await call('/auth/session/refresh', { jar })).status).toBe(204);
  });

  it('when a browser sends Referer but no Origin, then the Referer origin is checked and an allowed one passes', async () => {
    const { jar } = await loggedIn();
    const res = await call('/auth/session/refresh', { jar, origin: null, headers: { referer: `${ORIGIN}/notes?x=1` } });
    expect(res.status).toBe(204);
  });

  it('when the csrf_token cookie is sent twice (planted by a sibling host), then 403 csrf_failed', async () => {
    const { jar } = await loggedIn();
    const csrf = jar.get('csrf_token')!;
    jar.put('csrf_token', csrf, '/auth');
    const res = await call('/auth/session/refresh', { jar, csrf });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'csrf_failed' });
  });
});

describe('POST /auth/session/refresh', () => {
  it('when the refresh cookie is valid, then new access and refresh cookies and the same CSRF secret', async () => {
    const { jar } = await loggedIn();
    const [access, refresh, csrf] = [jar.get('access_token'), jar.get('refresh_token'), jar.get('csrf_token')];
    const res = await call('/auth/session/refresh', { jar });
    expect(res.status).toBe(204);
    const cookies = setCookiesOf(res.headers);
    expect(cookies.get('refresh_token')?.attributes.get('path')).toBe('/auth');
    expect(jar.get('access_token')).not.toBe(access);
    expect(jar.get('refresh_token')).not.toBe(refresh);
    expect(jar.get('csrf_token')).toBe(csrf);
    expect((await fetch(`${auth.url}/auth/me`, { headers: bearer(jar.get('access_token')!) })).status).toBe(200);
  });

  it('when an old refresh cookie is replayed after rotation, then 401 invalid_grant, cookies cleared and the family revoked', async () => {
    const { jar } = await loggedIn();
    const stolen = new CookieJar();
    stolen.put('refresh_token', jar.get('refresh_token')!, '/auth');
    stolen.put('csrf_token', jar.get('csrf_token')!);
    expect((await call('/auth/session/refresh', { jar })).status).toBe(204);

    const replay = await call('/auth/session/refresh', { jar: stolen });
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    expect(stolen.names()).toEqual([]);
    // The legitimate browser's current refresh cookie died with the family.
    const victim = await call('/auth/session/refresh', { jar });
    expect(victim.status).toBe(401);
    expect(victim.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('when no refresh cookie comes, then 401 invalid_grant', async () => {
    const { jar } = await loggedIn();
    const csrfOnly = new CookieJar();
    csrfOnly.put('csrf_token', jar.get('csrf_token')!);
    const res = await call('/auth/session/refresh', { jar: csrfOnly });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('DELETE /auth/session', () => {
  it('when logged in, then 204, every cookie expired with its own Path and attributes, the family and the access token revoked', async () => {
    const { jar } = await loggedIn();
    const [access, refresh, csrf] = [jar.get('access_token')!, jar.get('refresh_token')!, jar.get('csrf_token')!];
    const res = await call('/auth/session', { method: 'DELETE', jar });
    expect(res.status).toBe(204);
    const cleared = setCookiesOf(res.headers);
    expect(Object.fromEntries(cleared.get('access_token')!.attributes)).toMatchObject({ path: '/', 'max-age': '0', httponly: '', secure: '', samesite: 'Lax' });
    expect(Object.fromEntries(cleared.get('refresh_token')!.attributes)).toMatchObject({ path: '/auth', 'max-age': '0', httponly: '', secure: '', samesite: 'Strict' });
    expect(Object.fromEntries(cleared.get('csrf_token')!.attributes)).toMatchObject({ path: '/', 'max-age': '0', secure: '', samesite: 'Lax' });
    for (const cookie of cleared.values()) expect(cookie.value).toBe('');
    expect(jar.names()).toEqual([]);

    expect((await fetch(`${auth.url}/auth/me`, { headers: bearer(access) })).status).toBe(401);
    const revived = new CookieJar();
    revived.put('refresh_token', refresh, '/auth');
    revived.put('csrf_token', csrf);
    expect((await call('/auth/session/refresh', { jar: revived })).status).toBe(401);
  });

  it('when the access cookie has already expired, then logout still revokes the refresh family', async () => {
    const { jar } = await loggedIn();
    const [refresh, csrf] = [jar.get('refresh_token')!, jar.get('csrf_token')!];
    auth.clock.advance((ACCESS_TTL + 60) * 1000);
    expect((await call('/auth/session', { method: 'DELETE', jar })).status).toBe(204);
    const revived = new CookieJar();
    revived.put('refresh_token', refresh, '/auth');
    revived.put('csrf_token', csrf);
    expect((await call('/auth/session/refresh', { jar: revived })).status).toBe(401);
  });

  it('when only a stale (already rotated) refresh cookie comes, then logout still ends the family, its successor included', async () => {
    const { jar } = await loggedIn();
    const stale = new CookieJar();
    stale.put('refresh_token', jar.get('refresh_token')!, '/auth');
    stale.put('csrf_token', jar.get('csrf_token')!);
    expect((await call('/auth/session/refresh', { jar })).status).toBe(204);

    expect((await call('/auth/session', { method: 'DELETE', jar: stale })).status).toBe(204);
    const current = await call('/auth/session/refresh', { jar });
    expect(current.status).toBe(401);
    expect(current.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('when logout comes with a refresh cookie but no valid access token, then the access tokens of that session (its sid) are refused too, not only the family', async () => {
    const { jar } = await loggedIn();
    const withoutAccess = new CookieJar();
    withoutAccess.put('refresh_token', jar.get('refresh_token')!, '/auth');
    withoutAccess.put('csrf_token', jar.get('csrf_token')!);
    const access = jar.get('access_token')!;
    expect((await fetch(`${auth.url}/auth/me`, { headers: { authorization: `Bearer ${access}` } })).status).toBe(200);

    expect((await call('/auth/session', { method: 'DELETE', jar: withoutAccess })).status).toBe(204);
    expect((await fetch(`${auth.url}/auth/me`, { headers: { authorization: `Bearer ${access}` } })).status).toBe(401);
  });
});

describe('COOKIE_SECURE=false', () => {
  let plain: TestAuth;
  beforeAll(async () => {
    plain = await startTestAuth({ env: { COOKIE_SECURE: 'false', ALLOWED_ORIGINS: ORIGIN } });
  });
  afterAll(() => plain?.stop());

  it('when set, then the cookies are sent without Secure and keep every other attribute', async () => {
    await post(plain.url, '/auth/register', { username: 'plain', password: PASSWORD });
    const res = await fetch(`${plain.url}/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ username: 'plain', password: PASSWORD }),
    });
    expect(res.status).toBe(204);
    const cookies = setCookiesOf(res.headers);
    for (const cookie of cookies.values()) expect(cookie.attributes.has('secure')).toBe(false);
    expect(cookies.get('access_token')!.attributes.has('httponly')).toBe(true);
    expect(cookies.get('refresh_token')!.attributes.get('samesite')).toBe('Strict');
  });
});
