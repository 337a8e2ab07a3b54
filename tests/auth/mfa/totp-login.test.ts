import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oathtoolAvailable, oathtoolCode } from '../../support/oathtool.js';
import { PASSWORD, post, request } from '../support/http-client.js';
import { startTestAuth, type TestAuth } from '../support/auth-harness.js';
import { accountMfa, enrolTotp, firstStep, nextStep } from './mfa-client.js';

const ADMIN_TOKEN = 'admin-token-for-mfa-tests-0123456789abcdef';
const MAX_FAILURES = 3;

describe.runIf(oathtoolAvailable())('TOTP, recovery codes and the login second step (codes from oathtool)', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth({ env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN, LOGIN_MAX_FAILURES: String(MAX_FAILURES), REGISTRATION_MAX_PER_IP: '1000' } });
  });
  afterAll(async () => {
    await auth?.stop();
  });

  const code = (secret: string) => oathtoolCode(secret, auth.clock.now());
  const secondStep = (mfaToken: unknown, proof: Record<string, unknown>) => post(auth.url, '/auth/login/mfa', { mfa_token: mfaToken, ...proof });

  it('when a user enrols, then the secret is pending until a first code confirms it, which returns ten recovery codes once', async () => {
    const tokens = (await post(auth.url, '/auth/register', { username: 'enrol', password: PASSWORD }), (await post(auth.url, '/auth/login', { username: 'enrol', password: PASSWORD })).body);
    const begun = await post(auth.url, '/auth/mfa/totp', {}, tokens.access_token);
    expect(begun.headers.get('cache-control')).toBe('no-store');
    expect(begun.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/authgate:enrol\?.*secret=[A-Z2-7]+/);
    expect(begun.body.otpauth_uri).toContain('period=30');
    // Pending: the account shows no factor and login needs none.
    expect(await accountMfa(auth, tokens.access_token)).toEqual({ totp: false, passkeys: 0, recovery_codes_left: 0 });
    expect((await post(auth.url, '/auth/login', { username: 'enrol', password: PASSWORD })).status).toBe(200);

    const wrong = await post(auth.url, '/auth/mfa/totp/confirm', { code: '000000' === code(begun.body.secret) ? '111111' : '000000' }, tokens.access_token);
    expect(wrong.status).toBe(400);
    expect(await accountMfa(auth, tokens.access_token)).toMatchObject({ totp: false });

    const confirmed = await post(auth.url, '/auth/mfa/totp/confirm', { code: code(begun.body.secret) }, tokens.access_token);
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    expect(confirmed.body.recovery_codes).toHaveLength(10);
    expect(new Set(confirmed.body.recovery_codes).size).toBe(10);
    expect(await accountMfa(auth, tokens.access_token)).toEqual({ totp: true, passkeys: 0, recovery_codes_left: 10 });
    // Shown once: a second confirm or a second enrolment is refused.
    expect((await post(auth.url, '/auth/mfa/totp/confirm', { code: code(begun.body.secret) }, tokens.access_token)).status).toBe(409);
    expect((await post(auth.url, '/auth/mfa/totp', {}, tokens.access_token)).status).toBe(409);
  });

  it('when the secret is stored, then the file holds it only encrypted', async () => {
    const user = await enrolTotp(auth, 'at-rest');
    const file = await readFile(path.join(auth.dataDir, 'totp.db'), 'utf8');
    expect(file).toContain(user.id);
    expect(file).not.toContain(user.secret);
    for (const recovery of user.recoveryCodes) expect(file).not.toContain(recovery.replaceAll('-', ''));
  });

  it('when an enrolled user logs in, then 401 mfa_required with no token, and a current code completes it with amr pwd otp mfa', async () => {
    const user = await enrolTotp(auth, 'two-step');
    const first = await post(auth.url, '/auth/login', { username: 'two-step', password: PASSWORD });
    expect(first.status).toBe(401);
    expect(first.body).toEqual({ error: 'mfa_required', error_description: expect.any(String), mfa_token: expect.any(String), factors: ['totp', 'recovery_code'] });
    expect(first.headers.get('cache-control')).toBe('no-store');

    nextStep(auth);
    const done = await secondStep(first.body.mfa_token, { code: code(user.secret) });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    const claims = decodeJwt(done.body.access_token);
    expect(claims).toMatchObject({ sub: user.id, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:authgate:acr:mfa' });

    // The refresh keeps the second factor's sign-in.
    auth.clock.advance(60_000);
    const refreshed = await post(auth.url, '/auth/refresh', { refresh_token: done.body.refresh_token });
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({ auth_time: claims.auth_time, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:authgate:acr:mfa' });
  });

  it('when the same code is used again in its step, then it is refused (RFC 6238 §5.2), and the next step\'s code works', async () => {
    const user = await enrolTotp(auth, 'replay');
    nextStep(auth);
    const used = code(user.secret);
    expect((await secondStep(await firstStep(auth, 'replay', PASSWORD), { code: used })).status).toBe(200);
    const replayed = await secondStep(await firstStep(auth, 'replay', PASSWORD), { code: used });
    expect(replayed.status).toBe(401);
    expect(replayed.body.error).toBe('invalid_grant');
    nextStep(auth);
    expect((await secondStep(await firstStep(auth, 'replay', PASSWORD), { code: code(user.secret) })).status).toBe(200);
  });

  it('when the confirming code is presented at login in the same step, then it is refused: it was used', async () => {
    const user = await enrolTotp(auth, 'confirm-replay');
    const res = await secondStep(await firstStep(auth, 'confirm-replay', PASSWORD), { code: code(user.secret) });
    expect(res.status).toBe(401);
  });

  it('when an attacker sends their own valid code with the victim\'s mfa_token, then it is refused', async () => {
    await enrolTotp(auth, 'victim');
    const attacker = await enrolTotp(auth, 'attacker');
    nextStep(auth);
    const res = await secondStep(await firstStep(auth, 'victim', PASSWORD), { code: code(attacker.secret) });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('when an mfa_token was spent by a sign-in, then it cannot sign in again, even with a fresh code', async () => {
    const user = await enrolTotp(auth, 'spent');
    nextStep(auth);
    const token = await firstStep(auth, 'spent', PASSWORD);
    expect((await secondStep(token, { code: code(user.secret) })).status).toBe(200);
    nextStep(auth);
    expect((await secondStep(token, { code: code(user.secret) })).status).toBe(401);
  });

  it('when an mfa_token is older than five minutes, then it is refused', async () => {
    const user = await enrolTotp(auth, 'stale');
    const token = await firstStep(auth, 'stale', PASSWORD);
    auth.clock.advance(301_000);
    const res = await secondStep(token, { code: code(user.secret) });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('when a recovery code is used, then it signs in once (any case, dashes or not) and is gone', async () => {
    const user = await enrolTotp(auth, 'recover');
    const recovery = user.recoveryCodes[3]!;
    const done = await secondStep(await firstStep(auth, 'recover', PASSWORD), { code: recovery.toUpperCase().replaceAll('-', ' ') });
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.access_token)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'urn:authgate:acr:mfa' });
    expect(await accountMfa(auth, done.body.access_token)).toMatchObject({ totp: true, recovery_codes_left: 9 });
    const again = await secondStep(await firstStep(auth, 'recover', PASSWORD), { code: recovery });
    expect(again.status).toBe(401);
  });

  it('when second steps are guessed, then the attempts past LOGIN_MAX_FAILURES get 429 with Retry-After, per account across mfa_tokens', async () => {
    const user = await enrolTotp(auth, 'brute');
    nextStep(auth);
    const right = code(user.secret);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect((await secondStep(await firstStep(auth, 'brute', PASSWORD), { code: wrong })).status).toBe(401);
    }
    const limited = await secondStep(await firstStep(auth, 'brute', PASSWORD), { code: right });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each<[string, (mfaToken: string) => Record<string, unknown>, number, string]>([
    ['no mfa_token', () => ({ code: '123456' }), 400, 'invalid_request'],
    ['an mfa_token that is a number', () => ({ mfa_token: 7, code: '123456' }), 400, 'invalid_request'],
    ['a made-up mfa_token', () => ({ mfa_token: 'v1.abcdefgh.AAAA', code: '123456' }), 401, 'invalid_grant'],
    ['a tampered mfa_token', (t) => ({ mfa_token: `${t.slice(0, -2)}${t.endsWith('A') ? 'BB' : 'AA'}`, code: '123456' }), 401, 'invalid_grant'],
    ['a code of five digits', (t) => ({ mfa_token: t, code: '12345' }), 400, 'invalid_request'],
    ['a code of letters', (t) => ({ mfa_token: t, code: 'abcdef' }), 400, 'invalid_request'],
    ['a code as a number', (t) => ({ mfa_token: t, code: 123456 }), 400, 'invalid_request'],
    ['no code at all', (t) => ({ mfa_token: t }), 400, 'invalid_request'],
  ])('when the second step has %s, then %i %s, never a 500', async (_name, body, status, error) => {
    const mfaToken = await firstStep(auth, 'two-step', PASSWORD);
    const res = await post(auth.url, '/auth/login/mfa', body(mfaToken));
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
  });

  it('when the user removes TOTP, then the password is needed, and afterwards login needs no second step', async () => {
    const user = await enrolTotp(auth, 'remover');
    const wrong = await request(auth.url, 'DELETE', '/auth/mfa/totp', { json: { password: 'not the password at all' }, token: user.tokens.access_token });
    expect(wrong.status).toBe(400);
    const removed = await request(auth.url, 'DELETE', '/auth/mfa/totp', { json: { password: PASSWORD }, token: user.tokens.access_token });
    expect(removed.status).toBe(204);
    expect((await post(auth.url, '/auth/login', { username: 'remover', password: PASSWORD })).status).toBe(200);
    expect((await request(auth.url, 'DELETE', '/auth/mfa/totp', { json: { password: PASSWORD }, token: user.tokens.access_token })).status).toBe(404);
  });

  it('when an operator removes a user\'s factors, then their sessions end and login needs no second step', async () => {
    const user = await enrolTotp(auth, 'lost-phone');
    const res = await request(auth.url, 'DELETE', `/admin/users/${user.id}/factors`, { token: ADMIN_TOKEN });
    expect(res.status).toBe(204);
    expect((await post(auth.url, '/auth/refresh', { refresh_token: user.tokens.refresh_token })).status).toBe(401);
    expect((await post(auth.url, '/auth/login', { username: 'lost-phone', password: PASSWORD })).status).toBe(200);
    expect((await request(auth.url, 'DELETE', '/admin/users/no-such-user/factors', { token: ADMIN_TOKEN })).status).toBe(404);
  });

  it('when the browser session logs in, then it gets mfa_required too, and /auth/session/mfa sets the cookies', async () => {
    const user = await enrolTotp(auth, 'browser');
    const first = await post(auth.url, '/auth/session', { username: 'browser', password: PASSWORD });
    expect(first.status).toBe(401);
    expect(first.body.error).toBe('mfa_required');
    expect(first.headers.get('set-cookie')).toBeNull();
    nextStep(auth);
    const done = await post(auth.url, '/auth/session/mfa', { mfa_token: first.body.mfa_token, code: code(user.secret) });
    expect(done.status).toBe(204);
    expect(done.headers.getSetCookie().some((c) => c.startsWith('access_token='))).toBe(true);
  });
});
