import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { HAS_CHROMIUM } from './support/chromium.js';
import { useHostedPages, watchCspViolations } from './support/hosted-pages.js';

const SHOTS = 'test-results/apps';

describe.runIf(HAS_CHROMIUM)('apps: the hosted login and consent pages in Chromium', () => {
  const pages = useHostedPages({ shots: SHOTS, clientId: 'chromium-app' });
  beforeAll(async () => {
    await post(pages.auth.url, '/auth/register', { username: 'dora', password: PASSWORD });
  });

  const authorizeUrl = (extra: Record<string, string> = {}) => pages.client.authorizeUrl(pages.issuer, { state: 'chromium-state', ...extra });

  it('when a user signs in with the keyboard, then a wrong password shows an alert, consent lists the scopes, and the code reaches the app', async () => {
    const page = await pages.browser.newPage({ viewport: { width: 390, height: 780 } });
    const violations = watchCspViolations(page);
    await page.goto(authorizeUrl());
    await page.screenshot({ path: `${SHOTS}/login.png`, fullPage: true });
    await page.getByLabel('Username').fill('dora');
    await page.getByLabel('Password').fill('wrong password entirely');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('incorrect');
    await page.screenshot({ path: `${SHOTS}/login-error.png`, fullPage: true });

    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    expect(await page.locator('li').allTextContents()).toEqual(['Know who you are (openid)', 'See your username (profile)']);
    await page.screenshot({ path: `${SHOTS}/consent.png`, fullPage: true });
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${pages.app.redirectUri}?**`);
    const arrived = new URL(page.url());
    expect(arrived.searchParams.get('code')).toBeTruthy();
    expect(arrived.searchParams.get('state')).toBe('chromium-state');

    // Single sign-on: the next request goes straight back with a code.
    await page.goto(authorizeUrl({ state: 'second' }));
    await page.waitForURL(`${pages.app.redirectUri}?**`);
    expect(new URL(page.url()).searchParams.get('state')).toBe('second');
    expect(violations).toEqual([]);
    await page.close();
  });

  it('when the redirect URI is not registered, then Chromium stays on the error page', async () => {
    const page = await pages.browser.newPage();
    const response = await page.goto(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
    expect(response?.status()).toBe(400);
    expect(page.url().startsWith(pages.issuer)).toBe(true);
    await page.getByRole('alert').waitFor();
    await page.screenshot({ path: `${SHOTS}/error.png`, fullPage: true });
    await page.close();
  });
});
