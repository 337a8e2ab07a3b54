import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { HAS_CHROMIUM, launchChromium } from './support/chromium.js';
import { startBrowserStack, type BrowserStack } from './support/browser-stack.js';

/**
 * The demo page in a real Chromium: log in through the form, add a note, see it, check what
 * script can read and which cookies go where, survive a same-site forgery attempt, log out.
 */
const OUTPUT_DIR = path.resolve(import.meta.dirname, '../../test-results/browser-session');
const USERNAME = 'chromium-user';

interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

let stack: BrowserStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let evil: http.Server;
let evilUrl = '';
const pending: Array<Promise<SeenRequest | undefined>> = [];

/**
 * Another origin on the same site (localhost, other port): SameSite=Lax cookies do go along with
 * its form posts, so only the CSRF proof stands between it and the API.
 */
function startEvilSite(target: string): Promise<http.Server> {
  const html = `<!doctype html><form method="POST" action="${target}/api/notes" enctype="text/plain">
<input type="hidden" name='{"title":"forged","x":"' value='"}'><button id="go" type="submit">win a prize</button></form>`;
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function requestsTo(prefix: string): Promise<SeenRequest[]> {
  const seen = await Promise.all(pending);
  return seen.filter((request): request is SeenRequest => request !== undefined && request.path.startsWith(prefix));
}

function record(request: Request): void {
  const url = new URL(request.url());
  if (!stack.origins.includes(url.origin) && url.origin !== stack.pageUrl) return;
  pending.push(request.allHeaders().then((headers) => ({ method: request.method(), path: url.pathname, headers }), () => undefined));
}

/** What the page's own fetch of /api/notes gets now (status and error), with the browser's cookies. */
function fetchNotesInPage(): Promise<{ status: number; error?: string; count?: number }> {
  return page.evaluate(async () => {
    const res = await fetch('/api/notes', { credentials: 'include' });
    const body = (await res.json()) as { error?: string; notes?: unknown[] };
    return { status: res.status, ...(body.error ? { error: body.error } : {}), ...(body.notes ? { count: body.notes.length } : {}) };
  });
}

describe.runIf(HAS_CHROMIUM)('the demo page in Chromium', () => {
  beforeAll(async () => {
    stack = await startBrowserStack();
    expect((await post(stack.gatewayUrl, '/auth/register', { username: USERNAME, password: PASSWORD })).status).toBe(201);
    evil = await startEvilSite(stack.pageUrl);
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;
    await mkdir(OUTPUT_DIR, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    page.on('request', record);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (evil ? evil.close(resolve) : resolve(undefined)));
    await stack?.close();
  });

  it('when the page opens without a session, then it shows the login form', async () => {
    await page.goto(`${stack.pageUrl}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#notes-view').isHidden()).toBe(true);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'login.png') });
  });

  it('when the user logs in through the form and adds a note, then the note is listed', async () => {
    await page.fill('#login-form input[name=username]', USERNAME);
    await page.fill('#login-form input[name=password]', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.locator('#notes-view').waitFor({ state: 'visible' });
    await page.locator('#no-notes').waitFor({ state: 'visible' });

    await page.fill('#note-form input[name=title]', 'Buy oat milk');
    await page.fill('#note-form textarea[name=body]', 'Two cartons, the barista one.');
    await page.click('#note-form button[type=submit]');
    await page.locator('#notes li h3', { hasText: 'Buy oat milk' }).waitFor();
    expect(await page.locator('#notes li').count()).toBe(1);
    expect(await page.textContent('#signed-in-as')).toContain(USERNAME);
    await page.screenshot({ path: path.join(OUTPUT_DIR, 'logged-in.png'), fullPage: true });
  });

  it('when script reads document.cookie, then it sees the CSRF cookie but never the access or refresh token', async () => {
    const cookies = await context.cookies();
    const byName = new Map(cookies.map((cookie) => [cookie.name, cookie]));
    const access = byName.get('access_token')!;
    const refresh = byName.get('refresh_token')!;
    expect(access).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/auth' });
    expect(byName.get('csrf_token')).toMatchObject({ httpOnly: false, secure: true, sameSite: 'Lax', path: '/' });

    const visible = await page.evaluate<string>('document.cookie');
    expect(visible).toMatch(/(^|; )csrf_token=/);
    expect(visible).not.toContain('access_token');
    expect(visible).not.toContain(access.value);
    expect(visible).not.toContain('refresh_token');
    expect(visible).not.toContain(refresh.value);
  });

  it('when the page calls /api/*, then the browser sends the access cookie but not the refresh cookie (Path=/auth)', async () => {
    // Make the browser send the refresh cookie once, where it belongs.
    // Page scripts are passed as text: this project's TypeScript has no DOM types.
    const refreshed = await page.evaluate<number>(`(async () => {
      const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrf_token=')).slice('csrf_token='.length);
      return (await fetch('/auth/session/refresh', { method: 'POST', credentials: 'include', headers: { 'x-csrf-token': csrf } })).status;
    })()`);
    expect(refreshed).toBe(204);
    expect(await fetchNotesInPage()).toEqual({ status: 200, count: 1 });

    // Before the login the page had no cookie at all; every call since carried the session.
    const api = (await requestsTo('/api/')).filter((request) => request.headers.cookie !== undefined);
    expect(api.length).toBeGreaterThanOrEqual(3);
    for (const request of api) {
      expect(request.headers.cookie).toMatch(/(^|; )access_token=/);
      expect(request.headers.cookie).not.toContain('refresh_token=');
      expect(request.headers.authorization).toBeUndefined();
    }
    const post = api.find((request) => request.method === 'POST')!;
    const csrf = (await context.cookies()).find((cookie) => cookie.name === 'csrf_token')!.value;
    expect(post.headers['x-csrf-token']).toBe(csrf);
    const [refresh] = await requestsTo('/auth/session/refresh');
    expect(refresh!.headers.cookie).toContain('refresh_token=');
  });

  it('when another origin on the same site posts a form to the API, then the browser sends the cookies but the gateway answers 403 csrf_failed and writes nothing', async () => {
    const attacker = await context.newPage();
    await attacker.goto(evilUrl);
    const [response] = await Promise.all([attacker.waitForResponse((res) => res.url().endsWith('/api/notes')), attacker.click('#go')]);
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'csrf_failed' });
    // The cookie did go along (else it would be 401): the CSRF proof is what refused it.
    expect((await response.request().allHeaders()).cookie).toContain('access_token=');
    await attacker.close();
    expect(await fetchNotesInPage()).toEqual({ status: 200, count: 1 });
  });

  it('when the access cookie has expired, then the page rotates the session with the refresh cookie and carries on', async () => {
    const before = (await context.cookies()).find((cookie) => cookie.name === 'refresh_token')!.value;
    // What the browser does once Max-Age (ACCESS_TOKEN_TTL) has passed.
    await context.clearCookies({ name: 'access_token' });
    await page.reload();
    await page.locator('#notes li h3', { hasText: 'Buy oat milk' }).waitFor();
    const after = new Map((await context.cookies()).map((cookie) => [cookie.name, cookie.value]));
    expect(after.get('access_token')).toBeDefined();
    expect(after.get('refresh_token')).not.toBe(before);
  });

  it('when the user logs out, then the cookies are gone, the notes call is refused with 401 and a reload shows the login form', async () => {
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });
    const names = (await context.cookies()).map((cookie) => cookie.name);
    expect(names).not.toContain('access_token');
    expect(names).not.toContain('refresh_token');
    expect(names).not.toContain('csrf_token');
    expect(await fetchNotesInPage()).toEqual({ status: 401, error: 'unauthorized' });

    await page.reload();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#notes li').count()).toBe(0);
  });
});
