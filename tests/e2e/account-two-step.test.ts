import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { oathtoolAvailable, oathtoolCode } from '../support/oathtool.js';
import { HAS_CHROMIUM } from './support/chromium.js';
import { expectAccessible, useHostedPages, watchCspViolations as cspViolations } from './support/hosted-pages.js';

const SHOTS = 'test-results/two-step';

describe.runIf(HAS_CHROMIUM && oathtoolAvailable())('the two-step account page (TOTP), in Chromium with codes from oathtool', () => {
  const pages = useHostedPages({ shots: SHOTS, clientId: 'photo-app', host: 'localhost' });
  beforeAll(async () => {
    await post(pages.auth.url, '/auth/register', { username: 'rhea', password: PASSWORD });
  });

  const authorizeUrl = (state: string) => pages.client.authorizeUrl(pages.issuer, { state });

  it('when a user enrols from the QR page with the secret read off it, then the recovery codes show once and the sign-in asks for the second step; removal needs the password', async () => {
    // A context of its own: axe needs one, and the sign-in below must not share this page's cookies.
    const page = await (await pages.browser.newContext({ viewport: { width: 420, height: 900 } })).newPage();
    const violations = cspViolations(page);

    // Signed out: the page offers the browser-session sign-in, keyboard only.
    await page.goto(`${pages.issuer}/account/two-step`);
    await page.getByLabel('Username').fill('rhea');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByText('Authenticator app: off').waitFor();
    await expectAccessible(page, 'off');

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByLabel('Code from your authenticator app').waitFor();
    const secret = (await page.locator('#totp-secret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    // The QR code is an inline SVG drawn by auth: no image request left the page's origin.
    expect(await page.locator('#totp-qr svg path').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/enrol.png`, fullPage: true });
    await expectAccessible(page, 'enrol');

    // A wrong code is refused and nothing is turned on.
    await page.getByLabel('Code from your authenticator app').fill(oathtoolCode(secret, pages.auth.clock.now() - 300_000));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('That code is not right').waitFor();

    await page.getByLabel('Code from your authenticator app').fill(oathtoolCode(secret, pages.auth.clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    const recoveryCodes = await page.locator('#totp-recovery-codes li').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    await page.screenshot({ path: `${SHOTS}/recovery-codes.png`, fullPage: true });
    await expectAccessible(page, 'recovery codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('Authenticator app: on').waitFor();
    await page.getByText('10 recovery codes left.').waitFor();

    // Shown once: a reload shows the state, never the codes or the secret again.
    await page.reload();
    await page.getByText('Authenticator app: on').waitFor();
    const html = await page.content();
    for (const recoveryCode of recoveryCodes) expect(html).not.toContain(recoveryCode);
    expect(html).not.toContain(secret);
    await page.screenshot({ path: `${SHOTS}/on.png`, fullPage: true });
    await expectAccessible(page, 'on');

    // The session's cookies alone do not enrol: an unsafe call without the CSRF header is refused.
    const forged = await page.evaluate(async () => (await fetch('/auth/mfa/totp', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(forged).toBe(403);

    // The hosted sign-in now asks for the second step; the code of the next time step completes it.
    const signIn = await (await pages.browser.newContext({ viewport: { width: 420, height: 820 } })).newPage();
    await signIn.goto(authorizeUrl('with-totp'));
    await signIn.getByLabel('Username').fill('rhea');
    await signIn.getByLabel('Password').fill(PASSWORD);
    await signIn.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signIn.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    pages.auth.clock.advance(30_000);
    await signIn.getByLabel(/Code from your authenticator app/).fill(oathtoolCode(secret, pages.auth.clock.now()));
    await signIn.getByRole('button', { name: 'Verify' }).click();
    await signIn.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await signIn.context().close();

    // Removal: a wrong password leaves it on; the right one turns it off.
    await page.getByLabel('Password, to turn it off').fill('not the password');
    await page.getByRole('button', { name: 'Turn off the authenticator app' }).click();
    await page.getByText('was not turned off').waitFor();
    await page.getByText('Authenticator app: on').waitFor();
    await page.getByLabel('Password, to turn it off').fill(PASSWORD);
    await page.getByRole('button', { name: 'Turn off the authenticator app' }).click();
    await page.getByText('Authenticator app: off').waitFor();
    expect((await post(pages.auth.url, '/auth/login', { username: 'rhea', password: PASSWORD })).status).toBe(200);

    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('when the QR endpoint is called without a session or with something other than an otpauth URI, then it refuses', async () => {
    const anonymous = await fetch(`${pages.issuer}/auth/mfa/totp/qr`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ otpauth_uri: 'otpauth://totp/x?secret=AAAA' }) });
    expect(anonymous.status).toBe(401);
    const login = await post(pages.auth.url, '/auth/login', { username: 'rhea', password: PASSWORD });
    const bearer = { authorization: `Bearer ${String(login.body.access_token)}`, 'content-type': 'application/json' };
    const other = await fetch(`${pages.issuer}/auth/mfa/totp/qr`, { method: 'POST', headers: bearer, body: JSON.stringify({ otpauth_uri: 'https://evil.example/' }) });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: 'invalid_request' });
    const page = await fetch(`${pages.issuer}/account/two-step`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toMatch(/data:|https?:/);
  });
});
