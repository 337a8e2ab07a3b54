import { describe, expect, it } from 'vitest';
import { get, post, PASSWORD, type TokenPairBody } from '../support/http-client.js';
import { pollUntil } from '../contracts/poll.js';
import { mailsTo, outboxMails, type AccountsAuth, accountsAuthPerTest } from './account-harness.js';

const NEW_PASSWORD = 'a new and rather long passphrase';

const auth = accountsAuthPerTest();

let counter = 0;
/** A registered account whose address is verified (through its link), logged in. */
async function verifiedAccount(service: AccountsAuth, options: { verify?: boolean } = {}) {
  counter += 1;
  const username = `reset-${process.pid}-${counter}`;
  const email = `${username}@example.test`;
  const registered = await post(service.url, '/auth/register', { username, password: PASSWORD, email });
  expect(registered.status).toBe(201);
  const [mail] = await mailsTo(service.dataDir, email);
  if (options.verify !== false) expect((await post(service.url, '/auth/email/verify', { token: mail!.token })).status).toBe(204);
  const login = await post<TokenPairBody>(service.url, '/auth/login', { username, password: PASSWORD });
  return { id: String(registered.body.id), username, email, login: login.body };
}

/** The audit lines of reset requests, waited for: the lookup runs after the 202. */
async function resetRequests(service: AccountsAuth, count: number) {
  let lines: Array<Record<string, unknown>> = [];
  await pollUntil(() => (lines = service.sink.audit().filter((l) => l.event === 'password.reset_requested')).length >= count, { what: `${count} reset request(s) in the audit trail` });
  return lines;
}

describe('password reset', () => {
  it('when a verified account asks by username, then one link arrives, the reset sets the password, spends the link and ends every session', async () => {
    const service = await auth();
    const account = await verifiedAccount(service);
    const second = await post<TokenPairBody>(service.url, '/auth/login', { username: account.username, password: PASSWORD });

    const asked = await post(service.url, '/auth/password/forgot', { login: account.username });
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual({ status: 'accepted' });
    const [, mail] = await mailsTo(service.dataDir, account.email, 2);
    expect(mail!.subject).toBe('Reset your password');
    expect(mail!.link.startsWith('https://id.example.test/account/reset-password?token=')).toBe(true);

    expect((await post(service.url, '/auth/password/reset', { token: mail!.token, password: NEW_PASSWORD })).status).toBe(204);
    expect((await post(service.url, '/auth/login', { username: account.username, password: PASSWORD })).status).toBe(401);
    expect((await post(service.url, '/auth/login', { username: account.username, password: NEW_PASSWORD })).status).toBe(200);
    const again = await post(service.url, '/auth/password/reset', { token: mail!.token, password: `${NEW_PASSWORD}!` });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_grant' });
    // Every session of before: access tokens refused, refresh tokens dead.
    for (const pair of [account.login, second.body]) {
      expect((await get(service.url, '/auth/me', pair.access_token)).status).toBe(401);
      expect((await post(service.url, '/auth/refresh', { refresh_token: pair.refresh_token })).status).toBe(401);
    }
    const audit = service.sink.audit();
    expect(audit.find((l) => l.event === 'password.reset_requested')).toMatchObject({ user_id: account.id, mailed: true });
    expect(audit.find((l) => l.event === 'password.reset')).toMatchObject({ user_id: account.id, sessions_ended: 2 });
  });

  it('when the login is the verified address, then the link goes to it', async () => {
    const service = await auth();
    const account = await verifiedAccount(service);
    expect((await post(service.url, '/auth/password/forgot', { login: account.email })).status).toBe(202);
    const [, mail] = await mailsTo(service.dataDir, account.email, 2);
    expect(mail!.subject).toBe('Reset your password');
  });

  it('when the login is unknown, unverified or locked, then the answer is the same 202 and no mail goes out', async () => {
    const service = await auth();
    const unverified = await verifiedAccount(service, { verify: false });
    const locked = await verifiedAccount(service);
    await service.users.setLocked(locked.id, true);
    const mailsBefore = (await outboxMails(service.dataDir)).length;
    const answers = [];
    for (const login of ['nobody-at-all', 'nobody@example.test', unverified.username, unverified.email, locked.username]) {
      const res = await post(service.url, '/auth/password/forgot', { login });
      answers.push({ status: res.status, body: res.body, type: res.headers.get('content-type'), cache: res.headers.get('cache-control') });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const lines = await resetRequests(service, 5);
    expect(lines.map((l) => l.mailed)).toEqual([false, false, false, false, false]);
    expect((await outboxMails(service.dataDir)).length).toBe(mailsBefore);
  });

  it('when one login or one address asks too often, then 429 with Retry-After, the same for an account that does not exist', async () => {
    const service = await auth({ PASSWORD_RESET_MAX_PER_ACCOUNT: '2', PASSWORD_RESET_MAX_PER_IP: '5' });
    for (const login of ['someone', 'nobody-here']) {
      expect((await post(service.url, '/auth/password/forgot', { login })).status).toBe(202);
      expect((await post(service.url, '/auth/password/forgot', { login })).status).toBe(202);
      const third = await post(service.url, '/auth/password/forgot', { login });
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ error: 'too_many_requests' });
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Six requests from this address so far: the address is over its limit for any login.
    const fresh = await post(service.url, '/auth/password/forgot', { login: 'a-third-login' });
    expect(fresh.status).toBe(429);
  });

  it('when a reset link is older than the last reset, or has expired, then it is refused with invalid_grant', async () => {
    const service = await auth({ PASSWORD_RESET_TTL: '1' });
    const account = await verifiedAccount(service);
    await post(service.url, '/auth/password/forgot', { login: account.username });
    await post(service.url, '/auth/password/forgot', { login: account.username });
    const [, first, second] = await mailsTo(service.dataDir, account.email, 3);
    expect((await post(service.url, '/auth/password/reset', { token: first!.token, password: NEW_PASSWORD })).status).toBe(204);
    // Bound to the password it replaces: the other link died with the reset.
    expect((await post(service.url, '/auth/password/reset', { token: second!.token, password: PASSWORD })).body).toMatchObject({ error: 'invalid_grant' });

    await post(service.url, '/auth/password/forgot', { login: account.username });
    const [, , , third] = await mailsTo(service.dataDir, account.email, 4);
    const sent = Date.now();
    await pollUntil(() => Date.now() > sent + 1_100, { what: 'the 1 s link to expire' });
    const expired = await post(service.url, '/auth/password/reset', { token: third!.token, password: PASSWORD });
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({ error: 'invalid_grant' });
    expect((await post(service.url, '/auth/login', { username: account.username, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('when the new password is too weak, then 400 names password, nothing changes, and the link still works', async () => {
    const service = await auth();
    const account = await verifiedAccount(service);
    await post(service.url, '/auth/password/forgot', { login: account.username });
    const [, mail] = await mailsTo(service.dataDir, account.email, 2);
    const weak = await post(service.url, '/auth/password/reset', { token: mail!.token, password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/^password: /) });
    expect((await post(service.url, '/auth/login', { username: account.username, password: PASSWORD })).status).toBe(200);
    expect((await post(service.url, '/auth/password/reset', { token: mail!.token, password: NEW_PASSWORD })).status).toBe(204);
  });
});
