import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startFederationStack, type FederationStack } from '../auth/federation/support/federation-stack.js';
import { get, PASSWORD, post, request } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { HAS_CHROMIUM, launchChromium } from './support/chromium.js';
import { expectAccessible, watchCspViolations } from './support/hosted-pages.js';

const SHOTS = 'test-results/federation';
const APP = 'notes-app';

describe.runIf(HAS_CHROMIUM)('federation: sign in with an upstream OpenID provider, in Chromium, with openid-client as the app', () => {
  let stack: FederationStack;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: client.Configuration;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="app">app</p>'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`;
    stack = await startFederationStack({
      people: {
        ursula: { preferred_username: 'ursula', email: 'ursula@corp.example', email_verified: true, groups: ['admin', 'sales'] },
        'alice-upstream': { preferred_username: 'alice', email: 'alice@example.com', email_verified: true },
        bob: { preferred_username: 'bob', email: 'bob@corp.example' },
      },
    });
    await stack.clients.create({
      clientId: APP,
      clientName: 'Notes',
      tokenEndpointAuthMethods: ['none'],
      grantTypes: ['authorization_code', 'refresh_token'],
      audiences: [],
      scopes: ['openid', 'profile', 'email'],
      redirectUris: [redirectUri],
      firstParty: true,
    });
    config = await client.discovery(new URL(stack.issuer), APP, undefined, client.None(), { execute: [client.allowInsecureRequests] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await new Promise((resolve) => app?.close(resolve));
  });

  /** The app starts a sign-in; the person picks the provider and signs in there; the app redeems the code. */
  async function signIn(context: BrowserContext, login: string, shot?: string) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid profile email', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    const page = await context.newPage();
    await page.goto(url.toString());
    if (shot) await page.screenshot({ path: `${SHOTS}/${shot}-login.png`, fullPage: true });
    await page.getByRole('link', { name: 'Continue with Corp SSO' }).click();
    await upstreamLogin(page, login, shot);
    await page.waitForURL((current) => current.toString().startsWith(redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    await page.close();
    return tokens;
  }

  async function upstreamLogin(page: Page, login: string, shot?: string) {
    await page.waitForURL((current) => current.origin === stack.upstream.issuer);
    if (shot) await page.screenshot({ path: `${SHOTS}/${shot}-upstream.png`, fullPage: true });
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
  }

  it('when a person signs in with the upstream for the first time, then a local account is made with mapped claims and listed roles only, and the app gets our tokens', async () => {
    const context = await browser.newContext();
    const tokens = await signIn(context, 'ursula', 'first');
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(stack.issuer);
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ preferred_username: 'ursula', email: 'ursula@corp.example', email_verified: false });
    const admin = await request(stack.auth.url, 'GET', '/admin/users?username=ursula', { token: ADMIN_TOKEN });
    // `sales` is not among the listed values: only `admin` comes over.
    expect(admin.body).toMatchObject({ id: claims.sub, roles: ['admin'] });
    const identities = await request(stack.auth.url, 'GET', `/admin/users/${claims.sub}/identities`, { token: ADMIN_TOKEN });
    expect(identities.body.identities).toEqual([expect.objectContaining({ provider: 'corp', issuer: stack.upstream.issuer, subject: 'ursula', label: 'ursula' })]);

    // Later sign-ins (a new browser) find the same account.
    const again = await signIn(await browser.newContext(), 'ursula');
    expect(again.claims()!.sub).toBe(claims.sub);
    await context.close();
  });

  it('when the upstream name and e-mail match an existing local account, then nothing is linked: a new account with a suffixed name', async () => {
    const local = await post(stack.auth.url, '/auth/register', { username: 'alice', password: PASSWORD, email: 'alice@example.com' });
    const tokens = await signIn(await browser.newContext(), 'alice-upstream');
    const sub = tokens.claims()!.sub;
    expect(sub).not.toBe(local.body.id);
    const info = await client.fetchUserInfo(config, tokens.access_token, sub);
    expect(info.preferred_username).toBe('alice-2');
    const aliceLinks = await request(stack.auth.url, 'GET', `/admin/users/${local.body.id}/identities`, { token: ADMIN_TOKEN });
    expect(aliceLinks.body.identities).toEqual([]);
  });

  it('when the owner of a password account links the upstream identity on /account/identities, then it signs in to that account; the last way in of a passwordless one cannot be removed there', async () => {
    await post(stack.auth.url, '/auth/register', { username: 'robert', password: PASSWORD });
    const page = await (await browser.newContext({ viewport: { width: 420, height: 820 } })).newPage();
    const violations = watchCspViolations(page);
    await page.goto(`${stack.issuer}/account/identities`);
    await page.getByLabel('Username').fill('robert');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('No linked accounts yet.').waitFor();
    await expectAccessible(page, 'no links');
    // A write with the session cookie but without the CSRF header (what a forged form or another site's fetch sends) is refused.
    const forged = await page.evaluate(async () => (await fetch('/auth/account/identities', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'corp' }) })).status);
    expect(forged).toBe(403);

    await page.getByRole('button', { name: 'Link Corp SSO' }).click();
    await upstreamLogin(page, 'bob');
    await page.waitForURL((current) => current.pathname === '/account/identities');
    await expect.poll(() => page.locator('#identity-list li strong').allTextContents()).toEqual(['Corp SSO']);
    await page.screenshot({ path: `${SHOTS}/account-identities.png`, fullPage: true });
    await expectAccessible(page, 'linked');
    const login = await post(stack.auth.url, '/auth/login', { username: 'robert', password: PASSWORD });
    const mine = await get(stack.auth.url, '/auth/account/identities', login.body.access_token);
    expect(mine.body.identities).toEqual([expect.objectContaining({ provider: 'corp', subject: 'bob' })]);
    // Now bob at the upstream is robert here.
    const tokens = await signIn(await browser.newContext(), 'bob');
    expect(tokens.claims()!.sub).toBe((await get(stack.auth.url, '/auth/account', login.body.access_token)).body.sub);
    // robert has a password: the page removes the link.
    await page.getByRole('button', { name: /^Remove Corp SSO/ }).click();
    await page.getByText('No linked accounts yet.').waitFor();
    expect((await get(stack.auth.url, '/auth/account/identities', login.body.access_token)).body.identities).toEqual([]);

    // ursula (made by a federated sign-in, no password) signs in to the page through the provider: her one link stays.
    await signIn(await browser.newContext(), 'ursula');
    const hers = await (await browser.newContext()).newPage();
    const herViolations = watchCspViolations(hers);
    await hers.goto(`${stack.issuer}/account/identities`);
    await hers.getByRole('link', { name: 'Continue with Corp SSO' }).click();
    await upstreamLogin(hers, 'ursula');
    await hers.waitForURL((current) => current.pathname === '/account/identities');
    await hers.getByRole('button', { name: /^Remove Corp SSO/ }).click();
    await expect.poll(() => hers.getByRole('alert').textContent()).toContain('only way into your account');
    expect(await hers.locator('#identity-list li').count()).toBe(1);
    await hers.screenshot({ path: `${SHOTS}/account-identities-last-way-in.png`, fullPage: true });
    expect([...violations, ...herViolations]).toEqual([]);
  });

  it('when the upstream ends its session (its own logout page), then its back-channel logout ends the local session and the tokens issued in it', async () => {
    const context = await browser.newContext();
    const tokens = await signIn(context, 'ursula');
    expect((await get(stack.auth.url, '/oauth/userinfo', tokens.access_token)).status).toBe(200);
    const page = await context.newPage();
    await page.goto(`${stack.upstream.issuer}/session/end`);
    await page.screenshot({ path: `${SHOTS}/upstream-logout.png`, fullPage: true });
    await page.getByRole('button', { name: /yes, sign me out/i }).click();
    await page.waitForLoadState();
    await expect.poll(async () => (await get(stack.auth.url, '/oauth/userinfo', tokens.access_token)).status, { timeout: 3000, interval: 100 }).toBe(401);
    const refresh = await postForm(stack.auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: APP });
    expect(refresh.body.error).toBe('invalid_grant');
    await context.close();
  });

  it('when a browser comes back with a callback it did not start, or replays one, then a clear page and no session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let callback: string | undefined;
    page.on('request', (req) => {
      if (req.url().includes('/auth/federation/corp/callback')) callback ??= req.url();
    });
    await page.goto(`${stack.issuer}/auth/federation/corp/start?return_to=/account/done`);
    await upstreamLogin(page, 'ursula');
    await page.waitForURL((current) => current.pathname === '/account/done');
    expect(callback).toBeDefined();
    const cookies = (await context.cookies(stack.issuer + '/auth/federation/')).map((c) => `${c.name}=${c.value}`).join('; ');
    const replay = await fetch(callback!, { redirect: 'manual', headers: { cookie: cookies } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
    expect(replay.headers.get('set-cookie')).toBeNull();

    const other = await browser.newContext();
    const otherPage = await other.newPage();
    const response = await otherPage.goto(callback!);
    expect(response?.status()).toBe(400);
    await otherPage.screenshot({ path: `${SHOTS}/callback-refused.png`, fullPage: true });
    expect(await otherPage.getByRole('alert').textContent()).toContain('another browser');
    await other.close();
    await context.close();
  });
});
