import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { linkOf } from '../auth/accounts/account-harness.js';
import { pollUntil } from '../auth/contracts/poll.js';
import { startTestAuthAsIssuer, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { SmtpTestServer } from '../auth/support/smtp-test-server.js';
import { HAS_CHROMIUM, launchChromium } from './support/chromium.js';
import { registerPublicApp, startTestApp, watchCspViolations as watchCsp, type PublicApp, type TestApp } from './support/hosted-pages.js';

const SHOTS = 'test-results/account-pages';
const NEW_PASSWORD = 'a brand new and long passphrase';

describe.runIf(HAS_CHROMIUM)('accounts: the hosted account pages in Chromium, links followed out of real mail', () => {
  let smtp: SmtpTestServer;
  let auth: TestAuth;
  let app: TestApp;
  let accountApp: PublicApp;
  let browser: Browser;
  let issuer: string;
  const clients = new MemoryClientStore();
  const users = new MemoryUserStore();

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    smtp = await SmtpTestServer.start();
    // The "app" on another site (localhost vs 127.0.0.1): its redirect URI, and a page with a forged form.
    app = await startTestApp((url, res) => {
      if (url.pathname !== '/forged') return false;
      const token = url.searchParams.get('token') ?? '';
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<form method="post" action="${issuer}/account/verify-email"><input type="hidden" name="token" value="${token.replace(/[^\w-]/g, '')}"><button type="submit">Win a prize</button></form>`,
      );
      return true;
    });
    // Mail over a real SMTP connection; links on AUTH_PUBLIC_URL, which defaults to the issuer.
    auth = await startTestAuthAsIssuer({ clients, users, env: { COOKIE_SECURE: 'false', SMTP_URL: smtp.url } });
    issuer = auth.config.AUTH_ISSUER;
    accountApp = await registerPublicApp(clients, app, 'account-app');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await auth?.stop();
    await smtp?.stop();
    await app?.close();
  });

  const authorizeUrl = (state: string) => accountApp.authorizeUrl(issuer, { state });

  /** The link out of the `count`-th mail the SMTP server received for `to`. */
  async function mailedLink(to: string, count: number, path: string): Promise<string> {
    const mails = () => smtp.received.filter((m) => (m.to && !Array.isArray(m.to) ? m.to.text : '') === to);
    await pollUntil(() => mails().length >= count, { timeoutMs: 15_000, what: `mail ${count} to ${to}` });
    const { link } = linkOf(mails()[count - 1]!.text ?? '');
    expect(new URL(link).origin).toBe(issuer);
    expect(new URL(link).pathname).toBe(path);
    return link;
  }

  it('when a user verifies from the mail, forgets the password, resets it from the next mail and signs in, then every step works once and forgeries fail', async () => {
    const username = `chromium-${process.pid}`;
    const email = `${username}@example.test`;
    expect((await post(auth.url, '/auth/register', { username, password: PASSWORD, email })).status).toBe(201);
    const verifyLink = await mailedLink(email, 1, '/account/verify-email');
    const page = await browser.newPage({ viewport: { width: 390, height: 780 } });
    const violations = watchCsp(page);

    // A forged post from another site carries no CSRF token (and the Strict cookie stays home): refused, nothing spent.
    await page.goto(`${app.origin}/forged?token=${new URL(verifyLink).searchParams.get('token')}`);
    await page.getByRole('button', { name: 'Win a prize' }).click();
    await page.getByText('was not sent from this site').waitFor();
    await page.screenshot({ path: `${SHOTS}/forged.png`, fullPage: true });
    expect((await users.findByUsername(username))?.emailVerified).toBe(false);

    // Opened twice (a mail scanner, then the user): still unspent; the button spends it.
    await page.goto(verifyLink);
    await page.goto(verifyLink);
    await page.screenshot({ path: `${SHOTS}/verify.png`, fullPage: true });
    expect((await users.findByUsername(username))?.emailVerified).toBe(false);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Your e-mail address is verified' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/verified.png`, fullPage: true });
    expect((await users.findByUsername(username))?.emailVerified).toBe(true);

    // A used link opens, and its button shows the error page.
    await page.goto(verifyLink);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('already used');
    await page.screenshot({ path: `${SHOTS}/verify-used.png`, fullPage: true });

    // From the hosted login page: "Forgot password?".
    await page.goto(authorizeUrl('before-reset'));
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByLabel('Username or e-mail address').fill(username);
    await page.screenshot({ path: `${SHOTS}/forgot.png`, fullPage: true });
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('If an account matches');
    await page.screenshot({ path: `${SHOTS}/forgot-sent.png`, fullPage: true });

    const resetLink = await mailedLink(email, 2, '/account/reset-password');
    await page.goto(resetLink);
    await page.goto(resetLink);
    await page.getByLabel('New password', { exact: true }).fill('too short');
    await page.getByLabel('New password, again').fill('too short');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('must be 12-1024 characters');
    await page.screenshot({ path: `${SHOTS}/reset-weak.png`, fullPage: true });
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password, again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('heading', { name: 'Your password is changed' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/reset-done.png`, fullPage: true });

    // The used reset link shows the error page.
    await page.goto(resetLink);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password, again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('already used');
    await page.screenshot({ path: `${SHOTS}/reset-used.png`, fullPage: true });

    // The old password is refused, the new one signs in and the code reaches the app.
    await page.goto(authorizeUrl('after-reset'));
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('incorrect');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${app.redirectUri}?**`);
    const arrived = new URL(page.url());
    expect(arrived.searchParams.get('code')).toBeTruthy();
    expect(arrived.searchParams.get('state')).toBe('after-reset');
    expect(violations).toEqual([]);
    await page.close();
  }, 90_000);
});
