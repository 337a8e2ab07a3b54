import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, registerAndLogin, request, type TokenPairBody } from '../auth/support/http-client.js';
import { startBrowserStack, type BrowserStack } from './support/browser-stack.js';
import { expectAccessible, watchCspViolations } from './support/hosted-pages.js';
import { HAS_CHROMIUM, launchChromium } from './support/chromium.js';

const SHOTS = 'test-results/console';
const ADMIN_TOKEN = 'console-test-bootstrap-token-0123456789';

/**
 * The console in Chromium through a real gateway (tests/fixtures/routes-with-roles.yaml): an admin
 * signs in through the hosted login (code + PKCE, the console as a public client), finds a user
 * and gives a role, and the gateway then admits that user on the `roles: [billing]` route; a
 * non-admin who signs in is refused; a forged write is refused; every page passes axe (no serious
 * or critical violations) and keeps to its CSP.
 */
describe.runIf(HAS_CHROMIUM)('console: the admin console in Chromium behind the gateway', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let forger: Server;
  let forgerOrigin: string;
  let forgedForm = '';

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startBrowserStack({
      gatewayRoutes: 'tests/fixtures/routes-with-roles.yaml',
      // The console's links and redirect URI are on the gateway's public address.
      authEnv: (origins) => ({ AUTH_PUBLIC_URL: origins[1]!, AUTH_ADMIN_TOKEN: ADMIN_TOKEN, AUTH_ROLES_FILE: 'tests/fixtures/roles.yaml' }),
    });
    // Another site (127.0.0.1 is not localhost's site) whose page posts a form to the console.
    forger = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(forgedForm));
    await new Promise<void>((resolve) => forger.listen(0, '127.0.0.1', resolve));
    forgerOrigin = `http://127.0.0.1:${(forger.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => forger?.close(resolve));
    await stack?.close();
  });

  const gateway = () => stack.gatewayUrl;
  const userByName = async (username: string) => (await request(stack.auth.url, 'GET', `/admin/users?username=${username}`, { token: ADMIN_TOKEN })).body;

  async function newPage(): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    return { context, page, cspViolations: watchCspViolations(page) };
  }

  /** axe-core on the page as it is: no serious or critical violation; a full-page screenshot either way. */
  async function checkPage(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    await expectAccessible(page, name);
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${stack.pageUrl}/console/`);
    // The hosted login page of authgate itself, reached by the console's authorization request.
    expect(new URL(page.url()).pathname).toBe('/oauth/authorize');
    expect(new URL(page.url()).searchParams.get('client_id')).toBe('authgate-console');
    expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it('when an admin signs in, finds a user and gives a role, then the gateway admits that user on the roles: route; every page passes axe', async () => {
    const admin = await registerAndLogin(gateway(), 'console-admin');
    // The first admin, made with the bootstrap token (as an operator would, or with authctl).
    expect((await request(stack.auth.url, 'PATCH', `/admin/users/${admin.id}`, { json: { roles: ['user', 'admin'] }, token: ADMIN_TOKEN })).status).toBe(200);
    const target = await registerAndLogin(gateway(), 'console-target');
    expect((await request(gateway(), 'GET', '/api/billing/notes', { token: target.access_token })).status).toBe(403);

    const { context, page, cspViolations } = await newPage();
    await signIn(page, 'console-admin');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/users');
    // The token stays server-side in an HttpOnly cookie scoped to /console.
    const cookies = await context.cookies(`${stack.pageUrl}/console/`);
    const session = cookies.find((c) => c.name === 'auth_console');
    expect(session).toMatchObject({ httpOnly: true, path: '/console', sameSite: 'Lax' });
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    await checkPage(page, 'users');

    await page.getByLabel('Find users by the start of their username').fill('console-target');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'console-target' }).click();
    await page.getByRole('heading', { name: 'User console-target' }).waitFor();
    await checkPage(page, 'user-detail');

    // Keyboard only: focus the roles field, type, and submit with Enter.
    await page.getByLabel('Roles, separated by spaces or commas').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('user billing');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('The roles are saved.');
    await checkPage(page, 'user-roles-saved');

    const login = await post<TokenPairBody>(gateway(), '/auth/login', { username: 'console-target', password: PASSWORD });
    expect((await request(gateway(), 'GET', '/api/billing/notes', { token: login.body.access_token })).status).toBe(200);

    // A malformed role is refused on the page, naming the field; nothing changes.
    await page.getByLabel('Roles, separated by spaces or commas').fill('user Bad!Role');
    await page.getByRole('button', { name: 'Save roles' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('roles.1');
    expect((await userByName('console-target')).roles).toEqual(['user', 'billing']);
    await checkPage(page, 'user-roles-refused');

    // Clients: registered, the secret shown once, then deleted.
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('heading', { name: 'Clients' }).waitFor();
    await checkPage(page, 'clients');
    await page.getByLabel('client_id (empty: one is generated)').fill('console-made-client');
    await page.getByLabel('Scopes, separated by spaces').fill('reports:read');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('heading', { name: 'Client console-made-client is registered' }).waitFor();
    const secret = await page.locator('#client-secret').textContent();
    expect(secret).toMatch(/^[\w-]{40,}$/);
    await checkPage(page, 'client-created');
    const token = await fetch(`${gateway()}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`console-made-client:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    await page.getByRole('link', { name: 'Back to the clients' }).click();
    expect(await page.content()).not.toContain(secret!);
    await page.getByLabel('Yes, delete console-made-client').check();
    await page.locator('form[action="/console/clients/console-made-client/delete"] button').click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('The client is deleted.');

    // Signing keys: list and rotate.
    await page.getByRole('link', { name: 'Signing keys' }).click();
    const before = await page.locator('tbody tr').count();
    await checkPage(page, 'keys');
    await page.getByRole('button', { name: 'Rotate the signing key' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('A new key is published');
    expect(await page.locator('tbody tr').count()).toBe(before + 1);

    // Audit events: the role change, by the admin, through the console.
    await page.getByRole('link', { name: 'Audit events' }).click();
    await page.getByRole('heading', { name: 'Audit events' }).waitFor();
    const roleLine = page.locator('tr', { hasText: 'user.roles_changed' }).first();
    expect(await roleLine.textContent()).toContain(`by_user_id=${admin.id}`);
    expect(await roleLine.textContent()).toContain('source=console');
    await checkPage(page, 'audit');
    const api = await request(stack.auth.url, 'GET', '/admin/audit-events?limit=5', { token: ADMIN_TOKEN });
    expect(api.status).toBe(200);
    expect(api.body.events.length).toBeLessThanOrEqual(5);
    expect(api.body.events.map((e: { event: string }) => e.event)).toContain('key.rotated');

    // Sign out: the session ends; the console asks for a sign-in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out of the console' }).waitFor();
    await checkPage(page, 'signed-out');
    expect((await context.cookies(`${stack.pageUrl}/console/`)).find((c) => c.name === 'auth_console')).toBeUndefined();

    expect(cspViolations).toEqual([]);
    await context.close();
    // axe-core runs on eight pages: generous on a shared two-core machine.
  }, 120_000);

  it('when a write is forged (another site, or a missing CSRF value), then it is refused and nothing changes', async () => {
    const victim = await registerAndLogin(gateway(), 'console-victim');
    const { context, page } = await newPage();
    await signIn(page, 'console-admin');
    await page.getByRole('heading', { name: 'Users' }).waitFor();

    // Another site's page posts to the console: the Lax cookie stays home and the form has no CSRF value.
    forgedForm = `<form method="post" action="${stack.pageUrl}/console/users/${victim.id}/roles"><input type="hidden" name="roles" value="user admin"><button type="submit">Win a prize</button></form>`;
    await page.goto(`${forgerOrigin}/`);
    await page.getByRole('button', { name: 'Win a prize' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/Nothing was changed/);
    await checkPage(page, 'forged-cross-site');

    // The same browser, with its cookies, but a wrong or missing CSRF value (a same-site forgery).
    for (const csrf of ['forged', undefined]) {
      const answer = await context.request.post(`${stack.pageUrl}/console/users/${victim.id}/roles`, { form: { roles: 'user admin', ...(csrf ? { csrf } : {}) }, maxRedirects: 0 });
      expect(answer.status()).toBe(403);
      expect(await answer.text()).toContain('was not sent from the console');
    }
    expect((await userByName('console-victim')).roles).toEqual(['user']);
    await context.close();
  });

  it('when a user without the admin role signs in, then the console refuses with a clear page', async () => {
    await registerAndLogin(gateway(), 'console-plain');
    const { context, page } = await newPage();
    await signIn(page, 'console-plain');
    await page.getByRole('heading', { name: 'No access to the console' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('does not have the admin role');
    await checkPage(page, 'refused-non-admin');
    expect((await context.cookies(`${stack.pageUrl}/console/`)).find((c) => c.name === 'auth_console')).toBeUndefined();
    const users = await context.request.get(`${stack.pageUrl}/console/users`, { maxRedirects: 0 });
    expect(users.status()).toBe(302);
    await context.close();
  });
});
