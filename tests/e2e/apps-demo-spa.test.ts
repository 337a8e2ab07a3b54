import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFileWithDemoSpa, DEMO_SPA_CLIENT_ID } from '../../scripts/start/demo-spa-client.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { keysWithPrefix } from '../auth/adapters/redis-test-fixture.js';
import { HAS_REDIS, TEST_REDIS_URL } from '../support/redis.js';
import { HAS_CHROMIUM, launchChromium } from './support/chromium.js';
import { startBrowserStack, type BrowserStack } from './support/browser-stack.js';

const SHOTS = 'test-results/apps';
const USERNAME = 'spa-user';

/**
 * The OIDC demo app (gateway/demo-page/spa/) in Chromium, wired as `npm start` wires it: the
 * `demo-spa` client comes from the clients file the launcher writes (deploy/clients.yaml plus the
 * app), everything goes through the gateway, and the app flow's state lives in Redis.
 */
describe.runIf(HAS_CHROMIUM && HAS_REDIS)('the OIDC demo app: code + PKCE through the gateway', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];
  /** Every answer of the token endpoint the page got: grant type and body. */
  const tokenAnswers: Array<{ grant: string; status: number; body: Promise<Record<string, unknown>> }> = [];
  const grants = () => tokenAnswers.map(({ grant, status }) => [grant, status]);

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startBrowserStack({
      redis: true,
      authEnv: (origins) => ({
        AUTH_CLIENTS_FILE: clientsFileWithDemoSpa(path.resolve('deploy/clients.yaml'), origins),
        REPORTS_CLIENT_SECRET: randomBytes(32).toString('base64url'),
      }),
    });
    expect((await post(stack.gatewayUrl, '/auth/register', { username: USERNAME, password: PASSWORD })).status).toBe(201);
    const { access_token: token } = (await post(stack.gatewayUrl, '/auth/login', { username: USERNAME, password: PASSWORD })).body as { access_token: string };
    const created = await fetch(`${stack.gatewayUrl}/api/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'written before the app signed in' }),
    });
    expect(created.status).toBe(201);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    // Script errors and CSP refusals (the hosted page's favicon 404 is neither).
    page.on('pageerror', (error) => violations.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on('response', (response) => {
      if (!response.url().endsWith('/oauth/token')) return;
      const grant = new URLSearchParams(response.request().postData() ?? '').get('grant_type') ?? '';
      // In arrival order; the body is read after.
      tokenAnswers.push({ grant, status: response.status(), body: response.json().catch(() => ({})) as Promise<Record<string, unknown>> });
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('when the user signs in on the hosted page, then the app shows who they are and their notes', async () => {
    const res = await page.goto(`${stack.pageUrl}/spa/`);
    expect(res?.headers()['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    await page.getByRole('button', { name: 'Sign in with authgate' }).click();
    // The hosted login page, served through the gateway.
    await page.waitForURL(`${stack.pageUrl}/oauth/authorize?**`);
    const asked = new URL(page.url()).searchParams;
    expect({ client: asked.get('client_id'), method: asked.get('code_challenge_method') }).toEqual({ client: DEMO_SPA_CLIENT_ID, method: 'S256' });
    await page.getByLabel('Username').fill(USERNAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');

    await page.locator('#notes-view').waitFor({ state: 'visible' });
    expect(await page.textContent('#signed-in-as')).toBe(`Signed in as ${USERNAME}`);
    expect(await page.locator('#notes h3').allTextContents()).toEqual(['written before the app signed in']);
    // The code is gone from the address bar.
    expect(page.url()).toBe(`${stack.pageUrl}/spa/`);
    expect(grants()).toEqual([['authorization_code', 200]]);
    expect(await tokenAnswers[0]!.body).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String), refresh_token: expect.any(String) });
    // The login session and the spent code live in Redis, not in the auth process.
    const keys = await withRedis((redis) => keysWithPrefix(redis, stack.keyPrefix));
    expect(keys.some((key) => key.startsWith(`${stack.keyPrefix}as:{`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${stack.keyPrefix}ac:`))).toBe(true);
    await page.screenshot({ path: `${SHOTS}/spa-notes.png`, fullPage: true });
  });

  it('when the user adds a note and renews the token, then the note is listed and the refresh token rotated', async () => {
    await page.getByLabel('Title').fill('added from the OIDC app');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => page.locator('#notes h3').allTextContents()).toContain('added from the OIDC app');

    await page.getByRole('button', { name: 'Renew the access token' }).click();
    await expect.poll(() => page.textContent('#token-status')).toMatch(/^Access token renewed/);
    expect(grants()).toEqual([['authorization_code', 200], ['refresh_token', 200]]);
    const [first, renewed] = await Promise.all(tokenAnswers.map((answer) => answer.body));
    expect(renewed!.refresh_token).toEqual(expect.any(String));
    expect(renewed!.refresh_token).not.toBe(first!.refresh_token);
  });

  it('when the page is reloaded, then it signs in again silently through the login session', async () => {
    tokenAnswers.length = 0;
    await page.reload();
    await page.locator('#notes-view').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${stack.pageUrl}/spa/`);
    expect(grants()).toEqual([['authorization_code', 200]]);
  });

  it('when the user logs out, then the app is signed out, its refresh token is dead, and signing in asks for the password', async () => {
    const live = String((await tokenAnswers.at(-1)!.body).refresh_token);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.textContent('#signed-out-notice')).toBe('You are signed out.');
    expect(page.url()).toBe(`${stack.pageUrl}/spa/`);
    await page.screenshot({ path: `${SHOTS}/spa-signed-out.png`, fullPage: true });
    expect((await refresh(live)).status).toBe(400);

    await page.reload();
    await page.getByRole('button', { name: 'Sign in with authgate' }).waitFor();
    await page.getByRole('button', { name: 'Sign in with authgate' }).click();
    await page.waitForURL(`${stack.pageUrl}/oauth/authorize?**`);
    await page.getByLabel('Password').waitFor();
    expect(violations).toEqual([]);
  });

  function refresh(refreshToken: string): Promise<Response> {
    return fetch(`${stack.gatewayUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: DEMO_SPA_CLIENT_ID }),
    });
  }
});

async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return await use(redis);
  } finally {
    await redis.quit();
  }
}
