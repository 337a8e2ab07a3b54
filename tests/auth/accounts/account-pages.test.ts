import { afterEach, describe, expect, it } from 'vitest';
import { get, post, PASSWORD, type TokenPairBody } from '../support/http-client.js';
import { mailsTo, startAccountsAuth, type AccountsAuth } from './account-harness.js';
import { expectHostedPageHeaders, openPage, submit } from './account-pages-support.js';

const NEW_PASSWORD = 'a new and rather long passphrase';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function auth(): Promise<AccountsAuth> {
  const started = await startAccountsAuth();
  cleanups.push(() => started.stop());
  return started;
}

let counter = 0;
/** A registered account and the path of its verification link (as the mail has it, on AUTH_PUBLIC_URL). */
async function registered(service: AccountsAuth) {
  counter += 1;
  const username = `pages-${process.pid}-${counter}`;
  const email = `${username}@example.test`;
  expect((await post(service.url, '/auth/register', { username, password: PASSWORD, email })).status).toBe(201);
  const [mail] = await mailsTo(service.dataDir, email);
  const link = new URL(mail!.link);
  expect(link.origin).toBe('https://id.example.test');
  expect(link.pathname).toBe('/account/verify-email');
  return { username, email, token: mail!.token, path: `${link.pathname}${link.search}` };
}

/** Verifies through the hosted page and returns the reset link's path of a fresh forgot request. */
async function resetLink(service: AccountsAuth, account: Awaited<ReturnType<typeof registered>>) {
  const page = await openPage(service.url, account.path);
  expect((await submit(service.url, '/account/verify-email', { token: account.token, csrf: page.csrf! }, page.cookie)).status).toBe(200);
  const forgot = await openPage(service.url, '/account/forgot-password');
  expect((await submit(service.url, '/account/forgot-password', { login: account.username, csrf: forgot.csrf! }, forgot.cookie)).status).toBe(200);
  const [, mail] = await mailsTo(service.dataDir, account.email, 2);
  const link = new URL(mail!.link);
  expect(link.pathname).toBe('/account/reset-password');
  return { token: mail!.token, path: `${link.pathname}${link.search}` };
}

const emailVerified = async (service: AccountsAuth, username: string) => (await service.users.findByUsername(username))?.emailVerified;
const stripNonce = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""');

describe('hosted account pages', () => {
  it('when each page is opened, then it has the strict CSP, no-store, no-referrer, and a Strict HttpOnly CSRF cookie on /account', async () => {
    const service = await auth();
    const account = await registered(service);
    for (const path of ['/account/forgot-password', account.path, `/account/reset-password?token=${account.token}`]) {
      const page = await openPage(service.url, path);
      expect(page.status, path).toBe(200);
      expectHostedPageHeaders(page);
      expect(page.csrf).toBeTruthy();
      const cookie = page.headers.getSetCookie().find((c) => c.startsWith('auth_account_csrf='))!;
      expect(cookie).toMatch(/; Path=\/account(;|$)/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
    }
  });

  it('when the verification link is opened twice, then nothing is spent; the form verifies; a used link shows the error page', async () => {
    const service = await auth();
    const account = await registered(service);
    await openPage(service.url, account.path);
    const page = await openPage(service.url, account.path);
    expect(page.html).toContain('<button type="submit">Verify</button>');
    expect(await emailVerified(service, account.username)).toBe(false);

    const done = await submit(service.url, '/account/verify-email', { token: account.token, csrf: page.csrf! }, page.cookie);
    expect(done.status).toBe(200);
    expect(done.html).toContain('Your e-mail address is verified');
    expectHostedPageHeaders(done);
    expect(await emailVerified(service, account.username)).toBe(true);

    const again = await openPage(service.url, account.path);
    const used = await submit(service.url, '/account/verify-email', { token: account.token, csrf: again.csrf! }, again.cookie);
    expect(used.status).toBe(400);
    expect(used.html).toContain('The link is invalid, has expired or was already used.');
  });

  it('when a post comes without the CSRF token, with another page\'s token, or without the cookie, then it is refused with 403 and nothing is spent', async () => {
    const service = await auth();
    const account = await registered(service);
    const page = await openPage(service.url, account.path);
    const forgot = await openPage(service.url, '/account/forgot-password');
    const forgeries = [
      submit(service.url, '/account/verify-email', { token: account.token }, page.cookie),
      submit(service.url, '/account/verify-email', { token: account.token, csrf: page.csrf! }),
      // The forgot page's pair: bound to another purpose, so worthless here.
      submit(service.url, '/account/verify-email', { token: account.token, csrf: forgot.csrf! }, forgot.cookie),
      submit(service.url, '/account/forgot-password', { login: account.username }, forgot.cookie),
      submit(service.url, '/account/reset-password', { token: account.token, password: NEW_PASSWORD, password_again: NEW_PASSWORD }),
    ];
    for (const refused of await Promise.all(forgeries)) {
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('was not sent from this site');
      expectHostedPageHeaders(refused);
    }
    expect(await emailVerified(service, account.username)).toBe(false);
    expect(service.sink.audit().filter((l) => l.event === 'password.reset_requested')).toEqual([]);
    // The link still works for the real form.
    expect((await submit(service.url, '/account/verify-email', { token: account.token, csrf: page.csrf! }, page.cookie)).status).toBe(200);
  });

  it('when a reset link is opened twice and a weak password is posted, then the link is not spent; the form resets once; the access log never holds the token', async () => {
    const service = await auth();
    const account = await registered(service);
    const link = await resetLink(service, account);
    await openPage(service.url, link.path);
    const page = await openPage(service.url, link.path);
    expectHostedPageHeaders(page);

    const weak = await submit(service.url, '/account/reset-password', { token: link.token, password: 'short', password_again: 'short', csrf: page.csrf! }, page.cookie);
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('The new password must be 12-1024 characters.');
    const differ = await submit(service.url, '/account/reset-password', { token: link.token, password: NEW_PASSWORD, password_again: `${NEW_PASSWORD}!`, csrf: weak.csrf! }, weak.cookie);
    expect(differ.status).toBe(400);
    expect(differ.html).toContain('The two passwords differ.');

    const done = await submit(service.url, '/account/reset-password', { token: link.token, password: NEW_PASSWORD, password_again: NEW_PASSWORD, csrf: differ.csrf! }, differ.cookie);
    expect(done.status).toBe(200);
    expect(done.html).toContain('Your password is changed');
    expect((await post<TokenPairBody>(service.url, '/auth/login', { username: account.username, password: NEW_PASSWORD })).status).toBe(200);

    const again = await openPage(service.url, link.path);
    const used = await submit(service.url, '/account/reset-password', { token: link.token, password: NEW_PASSWORD, password_again: NEW_PASSWORD, csrf: again.csrf! }, again.cookie);
    expect(used.status).toBe(400);
    expect(used.html).toContain('The link is invalid, has expired or was already used.');

    const requests = service.sink.lines.filter((l) => l.includes('"msg":"request"') && l.includes('/account/'));
    expect(requests.length).toBeGreaterThan(0);
    for (const line of service.sink.lines) {
      expect(line.includes(link.token), `log line holds the reset token: ${line}`).toBe(false);
      expect(line.includes(account.token), `log line holds the verification token: ${line}`).toBe(false);
    }
  });

  it('when the forgot form is posted for an account and for no account, then the same page answers', async () => {
    const service = await auth();
    const account = await registered(service);
    const answers = [];
    for (const login of [account.username, 'nobody-at-all', account.email, 'nobody@example.test']) {
      const page = await openPage(service.url, '/account/forgot-password');
      answers.push(await submit(service.url, '/account/forgot-password', { login, csrf: page.csrf! }, page.cookie));
    }
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(stripNonce(answer.html)).toBe(stripNonce(answers[0]!.html));
    }
    expect(answers[0]!.html).toContain('If an account matches, a mail');

    const page = await openPage(service.url, '/account/forgot-password');
    const empty = await submit(service.url, '/account/forgot-password', { login: '', csrf: page.csrf! }, page.cookie);
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('Enter your username or e-mail address');
  });

  it('when a link has no token or a malformed one, then the page says the link does not work, never a 500', async () => {
    const service = await auth();
    for (const path of ['/account/reset-password', '/account/verify-email', '/account/reset-password?token=a&token=b']) {
      const page = await openPage(service.url, path);
      expect(page.status, path).toBe(400);
      expect(page.html).toContain('The link is invalid');
    }
    const page = await openPage(service.url, '/account/reset-password?token=not-a-token');
    const posted = await submit(service.url, '/account/reset-password', { token: 'not-a-token', password: NEW_PASSWORD, password_again: NEW_PASSWORD, csrf: page.csrf! }, page.cookie);
    expect(posted.status).toBe(400);
    expect(posted.html).toContain('The link is invalid');
    expect((await get(service.url, '/account/nothing-here')).status).toBe(404);
  });
});
