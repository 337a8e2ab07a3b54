import { afterEach, describe, expect, it } from 'vitest';
import { get, post, request, PASSWORD } from '../support/http-client.js';
import { SmtpTestServer } from '../support/smtp-test-server.js';
import { pollUntil } from '../contracts/poll.js';
import { linkOf, mailsTo, startAccountsAuth, type AccountsAuth } from './account-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function auth(env: Record<string, string> = {}): Promise<AccountsAuth> {
  const started = await startAccountsAuth(env);
  cleanups.push(() => started.stop());
  return started;
}

let counter = 0;
const someone = () => {
  counter += 1;
  return { username: `verify-${process.pid}-${counter}`, email: `verify-${process.pid}-${counter}@example.test` };
};

async function registerAndLogin(url: string, who: { username: string; email?: string }) {
  expect((await post(url, '/auth/register', { ...who, password: PASSWORD })).status).toBe(201);
  const login = await post(url, '/auth/login', { username: who.username, password: PASSWORD });
  expect(login.status).toBe(200);
  return String(login.body.access_token);
}

describe('e-mail verification', () => {
  it('when an account registers with an address, then a real SMTP server gets a link under AUTH_PUBLIC_URL, and following it once verifies the address', async () => {
    const smtp = await SmtpTestServer.start();
    cleanups.push(() => smtp.stop());
    const service = await auth({ SMTP_URL: smtp.url });
    const who = someone();
    const access = await registerAndLogin(service.url, who);
    expect((await get(service.url, '/auth/account', access)).body).toMatchObject({ username: who.username, email: who.email, email_verified: false });

    await pollUntil(() => smtp.received.length === 1, { what: 'the verification mail at the SMTP server' });
    const [mail] = smtp.received;
    expect(mail!.subject).toBe('Confirm your e-mail address');
    expect(mail!.to && !Array.isArray(mail!.to) ? mail!.to.text : '').toBe(who.email);
    const { link, token } = linkOf(mail!.text ?? '');
    expect(link.startsWith('https://id.example.test/account/verify-email?token=')).toBe(true);
    expect(String(mail!.html)).toContain(token);

    expect((await post(service.url, '/auth/email/verify', { token })).status).toBe(204);
    const account = await get(service.url, '/auth/account', access);
    expect(account.status).toBe(200);
    expect(account.headers.get('cache-control')).toBe('no-store');
    expect(account.body).toEqual({
      sub: expect.any(String),
      username: who.username,
      email: who.email,
      email_verified: true,
      roles: ['user'],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      mfa: { totp: false, passkeys: 0, recovery_codes_left: 0 },
    });
    // Single use: the same link again is a spent token.
    expect((await post(service.url, '/auth/email/verify', { token })).body).toMatchObject({ error: 'invalid_grant' });
    const audit = service.sink.audit().filter((line) => line.event === 'email.verified');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user_id: account.body.sub });
  });

  it('when a verification link is unknown, used or expired, then 400 invalid_grant and nothing is verified', async () => {
    const service = await auth({ EMAIL_VERIFICATION_TTL: '1' });
    const who = someone();
    const access = await registerAndLogin(service.url, who);
    const [expiring] = await mailsTo(service.dataDir, who.email);
    const unknown = await post(service.url, '/auth/email/verify', { token: 'A'.repeat(43) });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_grant' });
    // Past the 1 s TTL (waited for by the clock, not a fixed sleep).
    const sent = Date.now();
    await pollUntil(() => Date.now() > sent + 1_100, { what: 'the link to expire' });
    const expired = await post(service.url, '/auth/email/verify', { token: expiring!.token });
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({ error: 'invalid_grant' });
    expect((await get(service.url, '/auth/account', access)).body.email_verified).toBe(false);

    expect((await post(service.url, '/auth/email/resend', {}, access)).status).toBe(202);
    const [, fresh] = await mailsTo(service.dataDir, who.email, 2);
    expect((await post(service.url, '/auth/email/verify', { token: fresh!.token })).status).toBe(204);
    const used = await post(service.url, '/auth/email/verify', { token: fresh!.token });
    expect(used.status).toBe(400);
    expect(used.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('when the address is changed, then the old one stays until the new one is verified, and an older link for the old address no longer verifies it after the change', async () => {
    const service = await auth();
    const who = someone();
    const access = await registerAndLogin(service.url, who);
    const [first] = await mailsTo(service.dataDir, who.email);
    // A second, unused link for the first address.
    expect((await post(service.url, '/auth/email/resend', {}, access)).status).toBe(202);
    const [, older] = await mailsTo(service.dataDir, who.email, 2);
    expect((await post(service.url, '/auth/email/verify', { token: first!.token })).status).toBe(204);

    const changed = await request(service.url, 'PUT', '/auth/account/email', { json: { email: `new-${who.email}` }, token: access });
    expect(changed.status).toBe(202);
    expect((await get(service.url, '/auth/account', access)).body).toMatchObject({ email: who.email, email_verified: true });
    const [toNew] = await mailsTo(service.dataDir, `new-${who.email}`);
    expect((await post(service.url, '/auth/email/verify', { token: toNew!.token })).status).toBe(204);
    expect((await get(service.url, '/auth/account', access)).body).toMatchObject({ email: `new-${who.email}`, email_verified: true });
    const stale = await post(service.url, '/auth/email/verify', { token: older!.token });
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ error: 'invalid_grant' });
    expect((await get(service.url, '/auth/account', access)).body).toMatchObject({ email: `new-${who.email}`, email_verified: true });
  });

  it('when a verification is resent, then a new link to the unverified address works, and a user with nothing to verify still gets 202', async () => {
    const service = await auth();
    const who = someone();
    const access = await registerAndLogin(service.url, who);
    expect((await post(service.url, '/auth/email/resend', {}, access)).status).toBe(202);
    const mails = await mailsTo(service.dataDir, who.email, 2);
    expect(mails[0]!.token).not.toBe(mails[1]!.token);
    expect((await post(service.url, '/auth/email/verify', { token: mails[1]!.token })).status).toBe(204);
    expect((await post(service.url, '/auth/email/resend', {}, access)).status).toBe(202);
    expect((await post(service.url, '/auth/email/resend', {})).status).toBe(401);
  });

  it('when EMAIL_VERIFICATION_REQUIRED is true, then the right password of an unverified account gets 403 email_not_verified, a wrong one 401 as for anyone, and after verifying the login works', async () => {
    const service = await auth({ EMAIL_VERIFICATION_REQUIRED: 'true' });
    const who = someone();
    expect((await post(service.url, '/auth/register', { username: `${who.username}-x`, password: PASSWORD })).body).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('email') });
    expect((await post(service.url, '/auth/register', { ...who, password: PASSWORD })).status).toBe(201);
    const refused = await post(service.url, '/auth/login', { username: who.username, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'email_not_verified' });
    const wrong = await post(service.url, '/auth/login', { username: who.username, password: `${PASSWORD}!` });
    expect(wrong.status).toBe(401);
    const [mail] = await mailsTo(service.dataDir, who.email);
    expect((await post(service.url, '/auth/email/verify', { token: mail!.token })).status).toBe(204);
    expect((await post(service.url, '/auth/login', { username: who.username, password: PASSWORD })).status).toBe(200);
  });

});
