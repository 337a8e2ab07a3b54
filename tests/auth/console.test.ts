import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryRecentAuditEvents } from '../../services/auth/adapters/audit/memory-recent-audit-events.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { CONSOLE_CLIENT_ID, registerConsoleClient } from '../../services/auth/domain/admin/console-client.js';
import { CookieJar } from '../support/cookie-jar.js';
import { oathtoolAvailable } from '../support/oathtool.js';
import { accountMfa, enrolTotp, firstStep } from './mfa/mfa-client.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from './support/auth-harness.js';
import { PASSWORD, registerAndLogin, request } from './support/http-client.js';

const ADMIN_TOKEN = 'console-component-bootstrap-token-0123';

/** A browser in miniature: its cookie jar, redirects seen one by one. */
class Browser {
  readonly jar = new CookieJar();
  constructor(private readonly origin: string) {}

  async go(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Response> {
    const target = new URL(url, this.origin);
    const cookie = this.jar.header(target.pathname);
    const response = await fetch(target, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    this.jar.store(response.headers, target.pathname);
    return response;
  }
}

const hiddenFields = (html: string) => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))]));
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('console: sign-in (code + PKCE as authgate-console), session and forms over HTTP', () => {
  let auth: IssuerTestAuth;
  const clients = new MemoryClientStore();

  beforeAll(async () => {
    auth = await startTestAuthAsIssuer({ clients, env: { COOKIE_SECURE: 'false', AUTH_ADMIN_TOKEN: ADMIN_TOKEN, ACCESS_TOKEN_TTL: '300', REGISTRATION_MAX_PER_IP: '1000' } });
  });
  afterAll(() => auth?.stop());

  const admin = (method: string, path: string, json?: unknown) => request(auth.url, method, path, { token: ADMIN_TOKEN, ...(json === undefined ? {} : { json }) });

  async function makeAdmin(username: string): Promise<string> {
    const user = await registerAndLogin(auth.url, username);
    expect((await admin('PATCH', `/admin/users/${user.id}`, { roles: ['user', 'admin'] })).status).toBe(200);
    return user.id;
  }

  /** Up to the callback: the console's redirect to /oauth/authorize, the hosted login posted. */
  async function toCallback(browser: Browser, username: string, start = '/console/'): Promise<string> {
    const started = await browser.go('GET', start);
    expect(started.status).toBe(302);
    const authorize = new URL(started.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${auth.issuer}/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ client_id: CONSOLE_CLIENT_ID, redirect_uri: `${auth.issuer}/console/callback`, code_challenge_method: 'S256', scope: 'openid admin' });
    const loginPage = await browser.go('GET', authorize.toString());
    const posted = await browser.go('POST', '/oauth/authorize', { ...hiddenFields(await loginPage.text()), username, password: PASSWORD });
    expect(posted.status).toBe(303);
    return posted.headers.get('location')!;
  }

  async function signIn(username: string, start?: string): Promise<{ browser: Browser; landed: Response }> {
    const browser = new Browser(auth.url);
    const landed = await browser.go('GET', await toCallback(browser, username, start));
    return { browser, landed };
  }

  it('registers the console as a public first-party client with its redirect URI under AUTH_PUBLIC_URL, idempotently', async () => {
    const stored = await clients.findById(CONSOLE_CLIENT_ID);
    expect(stored).toMatchObject({ tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'admin'], redirectUris: [`${auth.issuer}/console/callback`], firstParty: true });
    expect(stored?.secretHash).toBeUndefined();
    expect(await registerConsoleClient(clients, auth.issuer)).toEqual({ created: false });
  });

  it('when an admin signs in, then the callback sets an HttpOnly token cookie at /console and lands on the page asked for', async () => {
    await makeAdmin('c-admin-1');
    const { browser, landed } = await signIn('c-admin-1', '/console/clients');
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/console/clients');
    const set = landed.headers.getSetCookie().find((line) => line.startsWith('auth_console='))!;
    expect(set).toMatch(/Path=\/console; .*HttpOnly; SameSite=Lax/);
    const page = await browser.go('GET', '/console/clients');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain(CONSOLE_CLIENT_ID);
  });

  it.each([
    ['an absolute URL elsewhere', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example/console/'],
    ['a path outside the console', '/oauth/logout'],
  ])('when the sign-in is asked to return to %s, then it lands on /console/ instead', async (_name, returnTo) => {
    await makeAdmin(`c-admin-return-${returnTo.length}`);
    const { landed } = await signIn(`c-admin-return-${returnTo.length}`, `/console/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(landed.headers.get('location')).toBe('/console/');
  });

  it('when the callback carries another state, comes without the flow cookie or names another issuer, then no session is made', async () => {
    await makeAdmin('c-admin-state');
    const browser = new Browser(auth.url);
    const callback = new URL(await toCallback(browser, 'c-admin-state'));
    const withState = (state: string, iss = auth.issuer) => `/console/callback?code=${callback.searchParams.get('code')}&state=${state}&iss=${encodeURIComponent(iss)}`;

    const wrongState = await browser.go('GET', withState('someone-elses-state'));
    expect(wrongState.status).toBe(400);
    expect(wrongState.headers.getSetCookie().some((l) => l.startsWith('auth_console='))).toBe(false);

    // An attacker's own callback URL opened in the victim's browser (no flow cookie there): refused.
    const stranger = new Browser(auth.url);
    expect((await stranger.go('GET', withState(callback.searchParams.get('state')!))).status).toBe(400);

    const again = new Browser(auth.url);
    const next = new URL(await toCallback(again, 'c-admin-state'));
    expect((await again.go('GET', `/console/callback?code=${next.searchParams.get('code')}&state=${next.searchParams.get('state')}&iss=${encodeURIComponent('https://other.example')}`)).status).toBe(400);
  });

  it('when a user without the admin role signs in, then 403 with the refusal page and no session cookie', async () => {
    await registerAndLogin(auth.url, 'c-plain');
    const { browser, landed } = await signIn('c-plain');
    expect(landed.status).toBe(403);
    expect(await landed.text()).toContain('does not have the admin role');
    expect(browser.jar.get('auth_console')).toBeUndefined();
    // The session the sign-in made is ended at once, not left alive.
    const id = (await admin('GET', '/admin/users?username=c-plain')).body.id as string;
    const sessions = (await admin('GET', `/admin/users/${id}/sessions`)).body.sessions as Array<{ user_agent: string | null }>;
    expect(sessions).toHaveLength(1); // registerAndLogin's own
  });

  it('when the admin loses the role, then the next console page starts a new sign-in, which is refused', async () => {
    const id = await makeAdmin('c-admin-demoted');
    const { browser } = await signIn('c-admin-demoted');
    expect((await browser.go('GET', '/console/users')).status).toBe(200);
    expect((await admin('PATCH', `/admin/users/${id}`, { roles: ['user'] })).status).toBe(200);
    const next = await browser.go('GET', '/console/users');
    expect(next.status).toBe(302);
    expect(next.headers.get('location')).toContain('/oauth/authorize');
    // Single sign-on answers with a code at once; the new token has no admin role: refused.
    const code = await browser.go('GET', next.headers.get('location')!);
    const refused = await browser.go('GET', code.headers.get('location')!);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('does not have the admin role');
    // A post is not sent on: 401, nothing done.
    expect((await browser.go('POST', '/console/keys/rotate', { csrf: 'x' })).status).toBe(401);
  });

  it('when the access token expires, then the refresh token renews it (one session, the same forms); once the session is ended, a page starts a new sign-in whose forms differ', async () => {
    await makeAdmin('c-admin-expiry');
    const { browser } = await signIn('c-admin-expiry');
    const firstToken = browser.jar.get('auth_console');
    const csrf = csrfOf(await (await browser.go('GET', '/console/keys')).text());
    auth.clock.advance(301_000);
    expect((await browser.go('GET', '/console/keys')).status).toBe(200);
    expect(browser.jar.get('auth_console')).not.toBe(firstToken);
    expect((await browser.go('POST', '/console/keys/rotate', { csrf })).status).toBe(303);
    expect((await admin('GET', `/admin/users/${(await admin('GET', '/admin/users?username=c-admin-expiry')).body.id}/sessions`)).body.sessions).toHaveLength(2);

    // The admin ends the console's session from elsewhere (all sessions): the next page signs in again, without a password.
    const id = (await admin('GET', '/admin/users?username=c-admin-expiry')).body.id as string;
    expect((await admin('DELETE', `/admin/users/${id}/sessions`)).status).toBe(204);
    const next = await browser.go('GET', '/console/keys');
    expect(next.status).toBe(302);
    const code = await browser.go('GET', next.headers.get('location')!);
    expect(code.status).toBe(302);
    expect((await browser.go('GET', code.headers.get('location')!)).headers.get('location')).toBe('/console/keys');
    expect((await browser.go('POST', '/console/keys/rotate', { csrf })).status).toBe(403);
  });

  it('when the admin locks, unlocks, ends sessions of and deletes a user through the forms, then each is done once and audited as the console', async () => {
    const adminId = await makeAdmin('c-admin-acts');
    const target = await registerAndLogin(auth.url, 'c-target');
    const { browser } = await signIn('c-admin-acts');
    const detail = await browser.go('GET', `/console/users/${target.id}`);
    const csrf = csrfOf(await detail.text());
    for (const [path, done] of [['lock', 'locked'], ['unlock', 'unlocked'], ['sessions/end', 'sessions']] as const) {
      const answer = await browser.go('POST', `/console/users/${target.id}/${path}`, { csrf });
      expect(answer.status, path).toBe(303);
      expect(answer.headers.get('location')).toBe(`/console/users/${target.id}?done=${done}`);
    }
    expect((await request(auth.url, 'GET', '/auth/me', { token: target.access_token })).status).toBe(401);
    // Without the box ticked: refused on the page, the user stays.
    const unconfirmed = await browser.go('POST', `/console/users/${target.id}/delete`, { csrf });
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain('confirm');
    expect((await admin('GET', '/admin/users?username=c-target')).status).toBe(200);
    expect((await browser.go('POST', `/console/users/${target.id}/delete`, { csrf, confirm: 'yes' })).headers.get('location')).toBe('/console/users?done=deleted');
    expect((await admin('GET', '/admin/users?username=c-target')).status).toBe(404);
    expect((await browser.go('GET', `/console/users/${target.id}`)).status).toBe(404);

    const audit = await admin('GET', '/admin/audit-events?limit=1000');
    const mine = audit.body.events.filter((e: Record<string, unknown>) => e.user_id === target.id && e.by_user_id === adminId);
    expect(mine.map((e: Record<string, unknown>) => e.event)).toEqual(expect.arrayContaining(['account.locked', 'account.unlocked', 'user.sessions_ended', 'user.deleted']));
    expect(mine.every((e: Record<string, unknown>) => e.source === 'console')).toBe(true);
  });

  it.runIf(oathtoolAvailable())('when the admin removes the second factors of a user enrolled in TOTP (oathtool), then the console shows the mfa summary, the user\'s sessions end, the next login has no second step, and it is audited as the console', async () => {
    const adminId = await makeAdmin('c-admin-factors');
    const target = await enrolTotp(auth, 'c-mfa-target');
    await firstStep(auth, 'c-mfa-target', PASSWORD);
    const { browser } = await signIn('c-admin-factors');
    const page = await (await browser.go('GET', `/console/users/${target.id}`)).text();
    expect(page).toContain('TOTP on, 0 passkeys, 10 recovery codes left');
    expect(page).toContain(`action="/console/users/${target.id}/factors/remove"`);
    const csrf = csrfOf(page);

    // Without the box ticked: refused on the page, nothing removed.
    const unconfirmed = await browser.go('POST', `/console/users/${target.id}/factors/remove`, { csrf });
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toMatch(/role="alert">confirm/);
    expect((await accountMfa(auth, target.tokens.access_token)).totp).toBe(true);

    const removed = await browser.go('POST', `/console/users/${target.id}/factors/remove`, { csrf, confirm: 'yes' });
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe(`/console/users/${target.id}?done=factors`);
    // The session made before (with the old factors) is over; the password alone now signs in.
    expect((await request(auth.url, 'GET', '/auth/me', { token: target.tokens.access_token })).status).toBe(401);
    const login = await request(auth.url, 'POST', '/auth/login', { json: { username: 'c-mfa-target', password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.access_token).toEqual(expect.any(String));
    expect(await accountMfa(auth, login.body.access_token as string)).toEqual({ totp: false, passkeys: 0, recovery_codes_left: 0 });
    const after = await (await browser.go('GET', `/console/users/${target.id}?done=factors`)).text();
    expect(after).toContain('TOTP off, 0 passkeys, 0 recovery codes left');
    expect(after).toContain('Every second factor of the account is removed');
    expect(after).not.toContain('/factors/remove');

    const audit = await admin('GET', '/admin/audit-events?limit=1000');
    const lines = audit.body.events.filter((e: Record<string, unknown>) => e.event === 'user.factors_removed' && e.user_id === target.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ source: 'console', by_user_id: adminId, sessions_ended: 1 });
  });

  it.runIf(oathtoolAvailable())('when a factors removal comes with a forged or missing CSRF token (even ticked), then 403 and the factors stay', async () => {
    await makeAdmin('c-admin-factors-csrf');
    const target = await enrolTotp(auth, 'c-mfa-csrf');
    const { browser } = await signIn('c-admin-factors-csrf');
    const csrf = csrfOf(await (await browser.go('GET', `/console/users/${target.id}`)).text());
    const forms: Array<Record<string, string>> = [{ csrf: `${csrf.slice(0, -2)}${csrf.endsWith('xx') ? 'yy' : 'xx'}`, confirm: 'yes' }, { confirm: 'yes' }, { csrf: '', confirm: 'yes' }];
    for (const form of forms) {
      expect((await browser.go('POST', `/console/users/${target.id}/factors/remove`, form)).status).toBe(403);
    }
    // A cross-site post carries no console cookies at all: not signed in, not done.
    expect((await new Browser(auth.url).go('POST', `/console/users/${target.id}/factors/remove`, { csrf, confirm: 'yes' })).status).toBe(401);
    expect(await accountMfa(auth, target.tokens.access_token)).toEqual({ totp: true, passkeys: 0, recovery_codes_left: 10 });
    await firstStep(auth, 'c-mfa-csrf', PASSWORD);
    const audit = await admin('GET', '/admin/audit-events?limit=1000');
    expect(audit.body.events.some((e: Record<string, unknown>) => e.event === 'user.factors_removed' && e.user_id === target.id)).toBe(false);
  });

  it('when the admin searches by a prefix, then the list pages by cursor (25 a page) through the admin API; a bad cursor is a 400 page naming it', async () => {
    await makeAdmin('c-admin-list');
    for (let n = 0; n < 30; n++) expect((await request(auth.url, 'POST', '/auth/register', { json: { username: `c-page-${String(n).padStart(2, '0')}`, password: PASSWORD } })).status).toBe(201);
    const { browser } = await signIn('c-admin-list');
    const first = await (await browser.go('GET', '/console/users?query=C-Page-')).text();
    const names = (html: string) => [...html.matchAll(/>(c-page-\d\d)</g)].map((m) => m[1]);
    expect(names(first)).toEqual(Array.from({ length: 25 }, (_, n) => `c-page-${String(n).padStart(2, '0')}`));
    const next = /href="([^"]+)" rel="next"/.exec(first)![1]!.replace(/&#38;/g, '&');
    const second = await (await browser.go('GET', next)).text();
    expect(names(second)).toEqual(['c-page-25', 'c-page-26', 'c-page-27', 'c-page-28', 'c-page-29']);
    expect(second).not.toContain('rel="next"');
    expect(second).toContain('First page');
    const bad = await browser.go('GET', '/console/users?query=c-page-&cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/role="alert">cursor/);
  });

  it('when the admin signs out, then the console session ends: the same cookies replayed start a new sign-in, and the session is gone from the list', async () => {
    const id = await makeAdmin('c-admin-out');
    const before = (await admin('GET', `/admin/users/${id}/sessions`)).body.sessions.length;
    const { browser } = await signIn('c-admin-out');
    expect((await admin('GET', `/admin/users/${id}/sessions`)).body.sessions).toHaveLength(before + 1);
    const cookies = browser.jar.header('/console/audit')!;
    const csrf = csrfOf(await (await browser.go('GET', '/console/audit')).text());
    expect((await browser.go('POST', '/console/logout', { csrf })).status).toBe(200);
    expect(browser.jar.get('auth_console')).toBeUndefined();
    expect(browser.jar.get('auth_console_refresh')).toBeUndefined();
    const replay = await fetch(`${auth.url}/console/audit`, { redirect: 'manual', headers: { cookie: cookies } });
    expect(replay.status).toBe(302);
    expect((await admin('GET', `/admin/users/${id}/sessions`)).body.sessions).toHaveLength(before);
  });

  it.each([
    ['limit=0', /^limit/],
    ['limit=1001', /^limit/],
    ['limit=ten', /^limit/],
    ['limit=5&extra=1', /extra|unrecognized/i],
  ])('when GET /admin/audit-events has %s, then 400 naming the field', async (query, described) => {
    const answer = await admin('GET', `/admin/audit-events?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error_description).toMatch(described);
  });

  it('when GET /admin/audit-events comes without a token or with a non-admin user token, then 401 or 403', async () => {
    expect((await request(auth.url, 'GET', '/admin/audit-events')).status).toBe(401);
    const plain = await registerAndLogin(auth.url, 'c-audit-plain');
    expect((await request(auth.url, 'GET', '/admin/audit-events', { token: plain.access_token })).status).toBe(403);
  });
});

describe('recent audit events: a ring buffer of the newest lines', () => {
  const entry = (n: number) => ({ time: new Date(n).toISOString(), level: 'info' as const, event: `e${n}` });

  it('keeps the newest `capacity`, newest first, and at most `limit` of them', () => {
    const ring = memoryRecentAuditEvents(3);
    for (let n = 1; n <= 5; n++) ring.record(entry(n));
    expect(ring.newest(10).map((e) => e.event)).toEqual(['e5', 'e4', 'e3']);
    expect(ring.newest(2).map((e) => e.event)).toEqual(['e5', 'e4']);
    ring.record(entry(6));
    expect(ring.newest(3).map((e) => e.event)).toEqual(['e6', 'e5', 'e4']);
  });

  it('keeps nothing with capacity 0, and everything in order before it is full', () => {
    const none = memoryRecentAuditEvents(0);
    none.record(entry(1));
    expect(none.newest(10)).toEqual([]);
    const some = memoryRecentAuditEvents(5);
    some.record(entry(1));
    some.record(entry(2));
    expect(some.newest(10).map((e) => e.event)).toEqual(['e2', 'e1']);
  });
});
