import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, PASSWORD, post, request } from '../support/http-client.js';
import { mailsTo, outboxMails, startAccountsAuth, type AccountsAuth } from './account-harness.js';

/** One row: a request to an account endpoint and what it must get back; `field` starts the description. */
interface Row {
  name: string;
  method?: 'POST' | 'PUT';
  path: string;
  body?: unknown;
  raw?: string;
  /** Sent with the account's access token. */
  bearer?: boolean;
  status: number;
  error: string;
  field?: string;
}

const long = (n: number, char = 'a') => char.repeat(n);
const WELL_FORMED_UNKNOWN = long(43, 'A');
/** Filled in beforeAll: a live reset token of the account, presented where it does not belong. */
let resetToken = '';

const rows: Row[] = [
  // Malformed JSON, on every endpoint
  ...['/auth/email/verify', '/auth/password/forgot', '/auth/password/reset'].map((path) => ({ name: `malformed JSON to ${path}`, path, raw: '{"token": "x",', status: 400, error: 'invalid_request' })),
  { name: 'malformed JSON to the password change', path: '/auth/password/change', raw: '{"current_password": ', bearer: true, status: 400, error: 'invalid_request' },
  { name: 'malformed JSON to the address change', method: 'PUT', path: '/auth/account/email', raw: '{"email": ', bearer: true, status: 400, error: 'invalid_request' },
  // Missing fields
  { name: 'verify without a token', path: '/auth/email/verify', body: {}, status: 400, error: 'invalid_request', field: 'token' },
  { name: 'forgot without a login', path: '/auth/password/forgot', body: {}, status: 400, error: 'invalid_request', field: 'login' },
  { name: 'reset without a password', path: '/auth/password/reset', body: { token: WELL_FORMED_UNKNOWN }, status: 400, error: 'invalid_request', field: 'password' },
  { name: 'reset without a token', path: '/auth/password/reset', body: { password: PASSWORD }, status: 400, error: 'invalid_request', field: 'token' },
  { name: 'change without a new password', path: '/auth/password/change', body: { current_password: PASSWORD }, bearer: true, status: 400, error: 'invalid_request', field: 'new_password' },
  { name: 'address change without an address', method: 'PUT', path: '/auth/account/email', body: {}, bearer: true, status: 400, error: 'invalid_request', field: 'email' },
  // Wrong types (and operator objects)
  { name: 'forgot with an operator object as login', path: '/auth/password/forgot', body: { login: { $ne: null } }, status: 400, error: 'invalid_request', field: 'login' },
  { name: 'verify with a numeric token', path: '/auth/email/verify', body: { token: 42 }, status: 400, error: 'invalid_request', field: 'token' },
  // Over-long fields
  { name: 'verify with a 300-character token', path: '/auth/email/verify', body: { token: long(300) }, status: 400, error: 'invalid_request', field: 'token' },
  { name: 'forgot with a 2000-character login', path: '/auth/password/forgot', body: { login: long(2000) }, status: 400, error: 'invalid_request', field: 'login' },
  { name: 'forgot with a 255-character login', path: '/auth/password/forgot', body: { login: long(255) }, status: 400, error: 'invalid_request', field: 'login' },
  { name: 'forgot with a blank login', path: '/auth/password/forgot', body: { login: '   ' }, status: 400, error: 'invalid_request', field: 'login' },
  { name: 'address change to a 2000-character address', method: 'PUT', path: '/auth/account/email', body: { email: `${long(1990)}@x.test` }, bearer: true, status: 400, error: 'invalid_request', field: 'email' },
  { name: 'address change to a non-address', method: 'PUT', path: '/auth/account/email', body: { email: 'not-an-address' }, bearer: true, status: 400, error: 'invalid_request', field: 'email' },
  // Tokens of the wrong shape
  { name: 'verify with a short token', path: '/auth/email/verify', body: { token: 'short' }, status: 400, error: 'invalid_request', field: 'token' },
  { name: 'verify with 43 characters outside base64url', path: '/auth/email/verify', body: { token: `${long(42)}!` }, status: 400, error: 'invalid_request', field: 'token' },
  { name: 'reset with a 44-character token', path: '/auth/password/reset', body: { token: long(44), password: PASSWORD }, status: 400, error: 'invalid_request', field: 'token' },
  // Weak new passwords
  { name: 'reset to an 11-character password', path: '/auth/password/reset', body: { token: WELL_FORMED_UNKNOWN, password: long(11) }, status: 400, error: 'invalid_request', field: 'password' },
  { name: 'change to an 11-character password', path: '/auth/password/change', body: { current_password: PASSWORD, new_password: long(11) }, bearer: true, status: 400, error: 'invalid_request', field: 'new_password' },
  // Unknown, used or misplaced tokens
  { name: 'verify with an unknown token', path: '/auth/email/verify', body: { token: WELL_FORMED_UNKNOWN }, status: 400, error: 'invalid_grant' },
  { name: 'reset with an unknown token', path: '/auth/password/reset', body: { token: WELL_FORMED_UNKNOWN, password: PASSWORD }, status: 400, error: 'invalid_grant' },
  { name: 'verify with a reset token', path: '/auth/email/verify', body: { token: 'RESET' }, status: 400, error: 'invalid_grant' },
  // Wrong current password
  { name: 'change with a wrong current password', path: '/auth/password/change', body: { current_password: `${PASSWORD}!`, new_password: 'another long passphrase' }, bearer: true, status: 400, error: 'invalid_grant' },
  // Bearer-protected without a token
  { name: 'change without a bearer token', path: '/auth/password/change', body: { current_password: PASSWORD, new_password: 'another long passphrase' }, status: 401, error: 'unauthorized' },
];

describe('bad input to the account endpoints', () => {
  let service: AccountsAuth;
  let access = '';
  const username = 'bad-input-bea';
  const email = 'bea@example.test';

  beforeAll(async () => {
    service = await startAccountsAuth();
    expect((await post(service.url, '/auth/register', { username, password: PASSWORD, email })).status).toBe(201);
    const [verification] = await mailsTo(service.dataDir, email);
    expect((await post(service.url, '/auth/email/verify', { token: verification!.token })).status).toBe(204);
    access = String((await post(service.url, '/auth/login', { username, password: PASSWORD })).body.access_token);
    expect((await post(service.url, '/auth/password/forgot', { login: username })).status).toBe(202);
    resetToken = (await mailsTo(service.dataDir, email, 2))[1]!.token;
  });
  afterAll(() => service?.stop());

  it.each(rows)('when $name, then $status $error', async ({ method = 'POST', path, body, raw, bearer, status, error, field }) => {
    const json = body && typeof body === 'object' && (body as { token?: unknown }).token === 'RESET' ? { ...body, token: resetToken } : body;
    const res = await request(service.url, method, path, { ...(raw === undefined ? { json } : { raw }), ...(bearer ? { token: access } : {}) });
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.error_description).toBe('string');
    if (field) expect(res.body.error_description).toMatch(new RegExp(`^${field}: `));
  });

  it('when every bad request above was answered, then nothing changed: the password, the address, and the reset link still work', async () => {
    expect((await post(service.url, '/auth/login', { username, password: PASSWORD })).status).toBe(200);
    expect((await get(service.url, '/auth/account', access)).body).toMatchObject({ email, email_verified: true });
    // Presented as a verification token above, it stayed a live reset token.
    expect((await post(service.url, '/auth/password/reset', { token: resetToken, password: 'a fresh passphrase, long' })).status).toBe(204);
  });

  it('when all of that was logged, then no line is an error or holds a stack, a token or a link', async () => {
    const secrets = (await outboxMails(service.dataDir)).flatMap((m) => [m.token, m.link]);
    expect(secrets.length).toBeGreaterThan(0);
    for (const line of service.sink.lines) {
      const parsed = JSON.parse(line) as { level: number; err?: { stack?: string } };
      expect(parsed.level, line).toBeLessThan(50);
      expect(line).not.toMatch(/"stack"|\n\s+at /);
      for (const secret of secrets) expect(line.includes(secret), `a log line holds a token or link: ${line}`).toBe(false);
      expect(line).not.toContain('token=');
    }
    // The request lines were there to be read: logging was on.
    expect(service.sink.lines.some((l) => l.includes('/auth/password/reset'))).toBe(true);
  });
});
