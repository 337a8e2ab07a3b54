import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { waitFor } from '../gateway/http-client.js';
import { setCookiesOf } from '../support/cookie-jar.js';
import { HAS_REDIS } from '../support/redis.js';
import { startBrowserStack, type BrowserStack } from './support/browser-stack.js';
import { SessionClient } from './support/session-client.js';

/**
 * Cookie mode through the gateway over plain HTTP: CSRF refusals that write nothing, which
 * credential wins, the refresh cookie's reach, rotation and logout.
 */
let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
});
afterAll(() => stack?.close());

let users = 0;
async function newUser(): Promise<{ username: string; browser: SessionClient }> {
  const username = `cookie-${++users}`;
  expect((await post(stack.gatewayUrl, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
  const browser = new SessionClient(stack.gatewayUrl, stack.origins[0]!);
  await browser.login(username, PASSWORD);
  return { username, browser };
}

async function bearerFor(username: string): Promise<string> {
  const res = await post(stack.gatewayUrl, '/auth/login', { username, password: PASSWORD });
  expect(res.status).toBe(200);
  return String(res.body.access_token);
}

describe('cookie-authenticated API calls through the gateway', () => {
  it('when logged in with cookies, then GET needs no CSRF header and POST with the proof writes the note', async () => {
    const { browser } = await newUser();
    expect(await browser.noteTitles()).toEqual([]);
    const created = await browser.call('/api/notes', { method: 'POST', json: { title: 'via cookie' } });
    expect(created.status).toBe(201);
    expect(await browser.noteTitles()).toEqual(['via cookie']);
  });

  it.each([
    { name: 'a foreign Origin and no CSRF header (a cross-site form post)', options: { origin: 'https://evil.example', csrf: false as const }, code: 'CSRF_ORIGIN_FORBIDDEN' },
    { name: 'a foreign Origin, even with the right header', options: { origin: 'https://evil.example' }, code: 'CSRF_ORIGIN_FORBIDDEN' },
    { name: 'no CSRF header', options: { csrf: false as const }, code: 'CSRF_HEADER_MISSING' },
    { name: 'a mismatching CSRF header', options: { csrf: 'x'.repeat(43) }, code: 'CSRF_TOKEN_MISMATCH' },
    { name: 'neither Origin nor Referer', options: { origin: null }, code: 'CSRF_ORIGIN_MISSING' },
    { name: 'a foreign Referer and no Origin', options: { origin: null, headers: { referer: 'https://evil.example/attack.html' } }, code: 'CSRF_ORIGIN_FORBIDDEN' },
  ])('when a cookie-authenticated POST comes with $name, then 403 csrf_failed and nothing is written', async ({ options }) => {
    const { browser } = await newUser();
    await browser.call('/api/notes', { method: 'POST', json: { title: 'before' } });
    const forged = await browser.call('/api/notes', { method: 'POST', json: { title: 'forged' }, ...options });
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual({ error: 'csrf_failed', error_description: expect.any(String) });
    expect(forged.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await browser.noteTitles()).toEqual(['before']);
  });

  it('when the Origin header is missing but Referer is on the gateway origin, then the write goes through', async () => {
    const { browser } = await newUser();
    const res = await browser.call('/api/notes', { method: 'POST', json: { title: 'by referer' }, origin: null, headers: { referer: `${stack.origins[0]}/` } });
    expect(res.status).toBe(201);
  });

  it('when an API call has no credential, then 401 JSON with a Bearer challenge, never a redirect', async () => {
    const browser = new SessionClient(stack.gatewayUrl, stack.origins[0]!);
    const res = await browser.call('/api/notes');
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gateway"');
    expect(res.body).toMatchObject({ error: 'unauthorized' });
  });

  it('when the access cookie is tampered with, then 401 invalid_token', async () => {
    const { browser } = await newUser();
    const token = browser.jar.get('access_token')!;
    browser.jar.put('access_token', `${token.slice(0, -4)}AAAA`);
    const res = await browser.call('/api/notes');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
  });

  it('when a route does not allow cookies (/api/reports), then the cookie is not a credential there', async () => {
    const { browser } = await newUser();
    const res = await browser.call('/api/reports/summary');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gateway"');
  });
});

describe('Bearer header and cookie together', () => {
  it("when a valid Bearer header and another user's cookie both come, then the header wins", async () => {
    const alice = await newUser();
    const bob = await newUser();
    await bob.browser.call('/api/notes', { method: 'POST', json: { title: "bob's" } });
    const res = await alice.browser.call('/api/notes', { bearer: await bearerFor(bob.username) });
    expect(res.status).toBe(200);
    expect(res.body!.notes.map((n: { title: string }) => n.title)).toEqual(["bob's"]);
  });

  it('when the cookie is stale (garbage) and the Bearer header valid, then the request is accepted', async () => {
    const { username, browser } = await newUser();
    browser.jar.put('access_token', 'stale.cookie.value');
    expect((await browser.call('/api/notes', { bearer: await bearerFor(username) })).status).toBe(200);
  });

  it('when the Bearer header is invalid and the cookie valid, then 401: a header is never second-guessed with a cookie', async () => {
    const { browser } = await newUser();
    const res = await browser.call('/api/notes', { bearer: 'not.a.token' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
  });

  it('when a Bearer POST comes without CSRF header or Origin, then it is accepted: only cookies need the proof', async () => {
    const { username, browser } = await newUser();
    const res = await browser.call('/api/notes', { method: 'POST', json: { title: 'server to server' }, bearer: await bearerFor(username), csrf: false, origin: null, cookies: false });
    expect(res.status).toBe(201);
    // Even with the session cookies beside it and a foreign Origin: the header is the credential.
    const mixed = await browser.call('/api/notes', { method: 'POST', json: { title: 'bearer beside cookies' }, bearer: await bearerFor(username), csrf: false, origin: 'https://elsewhere.example' });
    expect(mixed.status).toBe(201);
  });
});

describe('the refresh cookie and rotation through the gateway', () => {
  it('when logging in, then the refresh cookie has Path=/auth and a cookie jar does not send it to /api/*', async () => {
    const res = await fetch(`${stack.gatewayUrl}/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.origins[0]! },
      body: JSON.stringify({ username: (await newUser()).username, password: PASSWORD }),
    });
    expect(res.status).toBe(204);
    const refresh = setCookiesOf(res.headers).get('refresh_token')!;
    expect(refresh.attributes.get('path')).toBe('/auth');
    expect(refresh.attributes.get('samesite')).toBe('Strict');
    expect(refresh.attributes.has('httponly')).toBe(true);

    const { browser } = await newUser();
    expect(browser.jar.header('/api/notes')).not.toContain('refresh_token=');
    expect(browser.jar.header('/api/notes')).toContain('access_token=');
    expect(browser.jar.header('/auth/session/refresh')).toContain('refresh_token=');
  });

  it('when the page refreshes with the cookie, then it rotates, and replaying the old refresh cookie revokes the family', async () => {
    const { browser } = await newUser();
    const [oldRefresh, csrf] = [browser.jar.get('refresh_token')!, browser.jar.get('csrf_token')!];
    const rotated = await browser.call('/auth/session/refresh', { method: 'POST' });
    expect(rotated.status).toBe(204);
    expect(browser.jar.get('refresh_token')).not.toBe(oldRefresh);
    expect(await browser.noteTitles()).toEqual([]);

    const thief = new SessionClient(stack.gatewayUrl, stack.origins[0]!);
    thief.jar.put('refresh_token', oldRefresh, '/auth');
    thief.jar.put('csrf_token', csrf);
    // Outside the grace window a retried token is reuse.
    stack.auth.clock.advance(10_000);
    const replay = await thief.call('/auth/session/refresh', { method: 'POST' });
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    const victim = await browser.call('/auth/session/refresh', { method: 'POST' });
    expect(victim.status).toBe(401);
    expect(browser.jar.names()).toEqual([]);
  });

  it('when refresh is called through the gateway from a foreign origin, then the auth service refuses it (403 csrf_failed)', async () => {
    const { browser } = await newUser();
    const res = await browser.call('/auth/session/refresh', { method: 'POST', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'csrf_failed' });
  });
});

describe('the demo page', () => {
  it('when / is requested, then the page comes from the gateway with a strict CSP', async () => {
    const page = await fetch(`${stack.gatewayUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<form id="login-form"');
    const script = await fetch(`${stack.gatewayUrl}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("credentials: 'include'");
  });
});

describe.runIf(HAS_REDIS)('logout with the Redis token store and revocation feed', () => {
  let redisStack: BrowserStack;
  beforeAll(async () => {
    redisStack = await startBrowserStack({ redis: true });
  });
  afterAll(() => redisStack?.close());

  it('when the browser logs out, then every cookie is cleared and the old access cookie stops working at the gateway within a second', async () => {
    const username = 'redis-logout';
    expect((await post(redisStack.gatewayUrl, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
    const browser = new SessionClient(redisStack.gatewayUrl, redisStack.origins[0]!);
    await browser.login(username, PASSWORD);
    expect(await browser.noteTitles()).toEqual([]);
    const [access, refresh, csrf] = [browser.jar.get('access_token')!, browser.jar.get('refresh_token')!, browser.jar.get('csrf_token')!];

    const logout = await browser.call('/auth/session', { method: 'DELETE' });
    expect(logout.status).toBe(204);
    const cleared = setCookiesOf(logout.headers);
    expect([...cleared.values()].map((c) => [c.name, c.attributes.get('path'), c.attributes.get('max-age')]).sort()).toEqual([
      ['access_token', '/', '0'],
      ['csrf_token', '/', '0'],
      ['refresh_token', '/auth', '0'],
    ]);
    expect(browser.jar.names()).toEqual([]);
    expect((await browser.call('/api/notes')).status).toBe(401);

    // A copy of the old cookies (kept by an attacker, or a second tab) is refused too.
    const replay = new SessionClient(redisStack.gatewayUrl, redisStack.origins[0]!);
    replay.jar.put('access_token', access);
    replay.jar.put('refresh_token', refresh, '/auth');
    replay.jar.put('csrf_token', csrf);
    const started = Date.now();
    await waitFor(async () => (await replay.call('/api/notes')).status === 401, { timeoutMs: 1_000, intervalMs: 20 });
    expect(Date.now() - started).toBeLessThan(1_000);
    const refused = await replay.call('/api/notes');
    expect(refused.headers.get('www-authenticate')).toContain('error_description="the access token was revoked"');
    expect((await replay.call('/auth/session/refresh', { method: 'POST' })).status).toBe(401);
  });
});
