import { decodeJwt } from 'jose';
import type { CDPSession, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { HAS_CHROMIUM } from './support/chromium.js';
import { useHostedPages, watchCspViolations as cspViolations } from './support/hosted-pages.js';

const SHOTS = 'test-results/passkeys';

/** Chromium's virtual authenticator (CDP WebAuthn domain): a platform authenticator with user verification. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

describe.runIf(HAS_CHROMIUM)('passkeys on the hosted pages, in Chromium with a virtual authenticator', () => {
  // `localhost`, not 127.0.0.1: an IP address cannot be a WebAuthn RP ID, and localhost is a secure context over http.
  const pages = useHostedPages({ shots: SHOTS, clientId: 'photo-app', host: 'localhost' });
  let piaId: string;
  beforeAll(async () => {
    piaId = String((await post(pages.auth.url, '/auth/register', { username: 'pia', password: PASSWORD })).body.id);
    await post(pages.auth.url, '/auth/register', { username: 'quinn', password: PASSWORD });
  });

  const authorizeUrl = (state: string) => pages.client.authorizeUrl(pages.issuer, { state });

  it('when a user adds a passkey on the account page, then signs in to an app with it and no password, then removes it, then it no longer signs in', async () => {
    const page = await pages.browser.newPage({ viewport: { width: 420, height: 820 } });
    const violations = cspViolations(page);
    const { cdp, authenticatorId } = await virtualAuthenticator(page);

    // The account page: signed out, it offers the browser-session sign-in first.
    await page.goto(`${pages.issuer}/account/passkeys`);
    await page.getByLabel('Username').fill('pia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('No passkeys yet.').waitFor();
    await page.getByLabel('Name of the new passkey').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey added.').waitFor();
    await expect.poll(() => page.locator('#passkey-list li strong').allTextContents()).toEqual(['Work laptop']);
    await page.screenshot({ path: `${SHOTS}/account-passkeys.png`, fullPage: true });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);

    // The hosted login page: the passkey button, no username typed.
    await page.goto(authorizeUrl('with-passkey'));
    await page.screenshot({ path: `${SHOTS}/login-with-passkey-button.png`, fullPage: true });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/consent-after-passkey.png`, fullPage: true });
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${pages.app.redirectUri}?**`);
    const code = new URL(page.url()).searchParams.get('code');
    expect(new URL(page.url()).searchParams.get('state')).toBe('with-passkey');
    const tokens = await pages.client.redeem(pages.issuer, code!);
    expect(tokens.status).toBe(200);
    const { id_token: idToken } = (await tokens.json()) as { id_token: string };
    expect(decodeJwt(idToken)).toMatchObject({ aud: 'photo-app', iss: pages.issuer, sub: piaId });

    // Removed on the account page: the authenticator still holds it, auth no longer accepts it.
    await page.goto(`${pages.issuer}/account/passkeys`);
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await page.getByText('No passkeys yet.').waitFor();
    const fresh = await pages.browser.newPage();
    const freshViolations = cspViolations(fresh);
    // The same authenticator in a new page: a browser without the app's login session.
    const other = await virtualAuthenticator(fresh);
    await other.cdp.send('WebAuthn.addCredential', { authenticatorId: other.authenticatorId, credential: credentials[0]! });
    await fresh.goto(authorizeUrl('after-removal'));
    await fresh.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => fresh.getByRole('alert').first().textContent()).toContain('could not sign you in');
    expect(fresh.url().startsWith(pages.issuer)).toBe(true);
    await fresh.screenshot({ path: `${SHOTS}/login-passkey-refused.png`, fullPage: true });
    expect([...violations, ...freshViolations]).toEqual([]);
    await fresh.close();
    await page.close();
  });

  /** Signs in on the account page (browser session) and adds a passkey named `name` with the page's authenticator. */
  async function addPasskeyOnAccountPage(page: Page, username: string, name: string): Promise<void> {
    await page.goto(`${pages.issuer}/account/passkeys`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('No passkeys yet.').waitFor();
    await page.getByLabel('Name of the new passkey').fill(name);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey added.').waitFor();
  }

  it('when an account with a passkey signs in with its password, then the second step offers the passkey and it completes the sign-in', async () => {
    const page = await pages.browser.newPage({ viewport: { width: 420, height: 820 } });
    const violations = cspViolations(page);
    await virtualAuthenticator(page);
    await addPasskeyOnAccountPage(page, 'quinn', 'Phone');

    await page.goto(authorizeUrl('second-factor'));
    await page.getByLabel('Username').fill('quinn');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    // Passkey only: no code field to fill.
    expect(await page.getByLabel(/Code from your authenticator app/).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/second-step-passkey.png`, fullPage: true });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${pages.app.redirectUri}?**`);
    const code = new URL(page.url()).searchParams.get('code')!;
    const tokens = await pages.client.redeem(pages.issuer, code);
    const { id_token: idToken, access_token: accessToken } = (await tokens.json()) as { id_token: string; access_token: string };
    for (const token of [idToken, accessToken]) expect(decodeJwt(token)).toMatchObject({ amr: ['pwd', 'hwk', 'user', 'mfa'], acr: 'urn:authgate:acr:mfa' });
    expect(violations).toEqual([]);
    await page.close();
  });

  it('when the login page is served, then its CSP allows script from auth only and the scripts come from auth itself', async () => {
    const page = await fetch(authorizeUrl('csp'));
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!localhost)/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*src=)/);
    for (const src of html.matchAll(/<script src="([^"]+)"/g)) {
      expect(src[1]!.startsWith('/auth/webauthn/js/')).toBe(true);
      const script = await fetch(`${pages.issuer}${src[1]!}`);
      expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    }
    expect(await (await fetch(`${pages.issuer}/auth/webauthn/js/simplewebauthn-browser.js`)).text()).toContain('@simplewebauthn/browser');
  });
});
