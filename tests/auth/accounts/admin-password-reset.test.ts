import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, request } from '../support/http-client.js';
import { mailsTo, startAccountsAuth, type AccountsAuth } from './account-harness.js';

const ADMIN_TOKEN = 'admin-token-for-admin-reset-tests-0123456789';

describe('POST /admin/users/:id/password-reset', () => {
  let service: AccountsAuth;
  beforeAll(async () => {
    service = await startAccountsAuth({ AUTH_ADMIN_TOKEN: ADMIN_TOKEN });
  });
  afterAll(() => service?.stop());

  it('when an operator asks for a verified user, then 202, the reset link reaches the user and works, and the audit line names the act', async () => {
    const email = 'admin-reset@example.test';
    const registered = await post(service.url, '/auth/register', { username: 'admin-reset', password: PASSWORD, email });
    const [verification] = await mailsTo(service.dataDir, email);
    expect((await post(service.url, '/auth/email/verify', { token: verification!.token })).status).toBe(204);

    const asked = await request(service.url, 'POST', `/admin/users/${String(registered.body.id)}/password-reset`, { token: ADMIN_TOKEN });
    expect(asked.status).toBe(202);
    const mails = await mailsTo(service.dataDir, email, 2);
    const reset = mails.find((mail) => mail.link.includes('/account/reset-password'))!;
    expect(reset).toBeDefined();
    expect((await post(service.url, '/auth/password/reset', { token: reset.token, password: 'an operator-sent new passphrase' })).status).toBe(204);
    expect((await post(service.url, '/auth/login', { username: 'admin-reset', password: 'an operator-sent new passphrase' })).status).toBe(200);
    expect(service.sink.audit().some((line) => line.event === 'user.password_reset_sent' && line.user_id === registered.body.id && line.source === 'admin_api')).toBe(true);
    // The link went by mail only: never in a log line.
    expect(service.sink.lines.some((line) => line.includes(reset.token))).toBe(false);
  });
});
