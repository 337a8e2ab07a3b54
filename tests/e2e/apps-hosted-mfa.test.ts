import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { enrolTotp, nextStep, type EnrolledUser } from '../auth/mfa/mfa-client.js';
import { oathtoolAvailable, oathtoolCode } from '../support/oathtool.js';
import { HAS_CHROMIUM } from './support/chromium.js';
import { useHostedPages, watchCspViolations } from './support/hosted-pages.js';
import { LOGIN_SESSION_COOKIE } from '../../services/auth/http/app-flow/hosted-cookies.js';

const SHOTS = 'test-results/mfa';

describe.runIf(HAS_CHROMIUM && oathtoolAvailable())('apps: the hosted login page asks for the second factor (Chromium, codes from oathtool)', () => {
  const pages = useHostedPages({ shots: SHOTS, clientId: 'mfa-app', clientName: 'Ledger', firstParty: true });
  let user: EnrolledUser;
  beforeAll(async () => {
    user = await enrolTotp(pages.auth, 'erin');
  });

  const authorizeUrl = () => pages.client.authorizeUrl(pages.issuer, { state: 'mfa-state', nonce: 'n-1' });

  it('when an enrolled user signs in, then a code page follows the password, a wrong code is an alert, and the right one gives tokens with acr mfa', async () => {
    const page = await pages.browser.newPage({ viewport: { width: 390, height: 780 } });
    const violations = watchCspViolations(page);
    await page.goto(authorizeUrl());
    await page.getByLabel('Username').fill('erin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/second-step.png`, fullPage: true });
    // No login session yet: the password alone does not sign in.
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain(LOGIN_SESSION_COOKIE);

    nextStep(pages.auth);
    const right = oathtoolCode(user.secret, pages.auth.clock.now());
    await page.getByLabel(/Code from your authenticator app/).fill(right === '000000' ? '111111' : '000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not right');
    await page.screenshot({ path: `${SHOTS}/second-step-error.png`, fullPage: true });

    await page.getByLabel(/Code from your authenticator app/).fill(right);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${pages.app.redirectUri}?**`);
    expect((await page.context().cookies()).map((c) => c.name)).toContain(LOGIN_SESSION_COOKIE);
    const code = new URL(page.url()).searchParams.get('code')!;
    expect(code).toBeTruthy();
    expect(violations).toEqual([]);

    const tokens = await postForm(pages.issuer, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: pages.app.redirectUri, client_id: 'mfa-app', code_verifier: pages.client.verifier });
    expect(tokens.status).toBe(200);
    const idToken = decodeJwt(tokens.body.id_token as string);
    expect(idToken).toMatchObject({ sub: user.id, nonce: 'n-1', amr: ['pwd', 'otp', 'mfa'], acr: 'urn:authgate:acr:mfa' });
    expect(decodeJwt(tokens.body.access_token as string)).toMatchObject({ auth_time: idToken.auth_time, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:authgate:acr:mfa' });
    await page.close();
  });
});
