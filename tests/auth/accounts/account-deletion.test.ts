import { describe, expect, it } from 'vitest';
import { get, PASSWORD, post, request, type TokenPairBody } from '../support/http-client.js';
import { mailsTo, accountsAuthPerTest } from './account-harness.js';

const auth = accountsAuthPerTest();

const login = async (url: string, username: string, password = PASSWORD) => (await post<TokenPairBody>(url, '/auth/login', { username, password })).body;
const deleteAccount = (url: string, token: string, json?: unknown, raw?: string) =>
  request(url, 'DELETE', '/auth/account', { token, ...(json === undefined ? {} : { json }), ...(raw === undefined ? {} : { raw, headers: { 'content-type': 'application/json' } }) });

describe('DELETE /auth/account', () => {
  it('when a user deletes the account with the password, then 204, every session ends, refresh is refused, the record is gone and account.deleted is audited', async () => {
    const service = await auth();
    const registered = await post(service.url, '/auth/register', { username: 'dana', password: PASSWORD, email: 'dana@example.test' });
    const [verification] = await mailsTo(service.dataDir, 'dana@example.test');
    const mine = await login(service.url, 'dana');
    const other = await login(service.url, 'dana');

    expect((await deleteAccount(service.url, mine.access_token, { password: PASSWORD })).status).toBe(204);
    for (const tokens of [mine, other]) {
      expect((await get(service.url, '/auth/me', tokens.access_token)).status).toBe(401);
      expect((await post(service.url, '/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(401);
    }
    expect((await post(service.url, '/auth/login', { username: 'dana', password: PASSWORD })).status).toBe(401);
    // A link mailed before the deletion is worth nothing now.
    expect((await post(service.url, '/auth/email/verify', { token: verification!.token })).status).toBe(400);
    const event = service.sink.audit().find((l) => l.event === 'account.deleted');
    expect(event).toMatchObject({ user_id: registered.body.id, sessions_ended: 2 });
    expect(JSON.stringify(event)).not.toContain('dana');
  });

  it('when the name of a deleted account is registered again, then it is a new account with another sub, and the old tokens stay refused', async () => {
    const service = await auth();
    const first = await post(service.url, '/auth/register', { username: 'reuse', password: PASSWORD });
    const old = await login(service.url, 'reuse');
    expect((await deleteAccount(service.url, old.access_token, { password: PASSWORD })).status).toBe(204);
    const again = await post(service.url, '/auth/register', { username: 'reuse', password: 'another long passphrase' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect((await get(service.url, '/auth/me', old.access_token)).status).toBe(401);
    const fresh = await login(service.url, 'reuse', 'another long passphrase');
    expect((await get(service.url, '/auth/me', fresh.access_token)).body).toMatchObject({ sub: again.body.id });
  });

  it('when the password is wrong, then 400 invalid_grant, nothing is deleted, and the failures count toward the login limit', async () => {
    const service = await auth({ LOGIN_MAX_FAILURES: '2' });
    await post(service.url, '/auth/register', { username: 'wendy', password: PASSWORD });
    const mine = await login(service.url, 'wendy');
    const first = await deleteAccount(service.url, mine.access_token, { password: `${PASSWORD}!` });
    expect(first.status).toBe(400);
    expect(first.body).toMatchObject({ error: 'invalid_grant' });
    expect(String(first.body.error_description)).toMatch(/^password /);
    expect((await deleteAccount(service.url, mine.access_token, { password: `${PASSWORD}!` })).status).toBe(400);
    expect((await deleteAccount(service.url, mine.access_token, { password: PASSWORD })).status).toBe(429);
    expect((await get(service.url, '/auth/me', mine.access_token)).status).toBe(200);
  });

  it('when the body is missing, malformed or over-long, or there is no token, then 400 naming the field (or 401), nothing is deleted and nothing is a 500', async () => {
    const service = await auth();
    await post(service.url, '/auth/register', { username: 'bad-input', password: PASSWORD });
    const mine = await login(service.url, 'bad-input');
    const cases: Array<{ json?: unknown; raw?: string; status: number; field?: string }> = [
      { status: 400, field: 'password' },
      { json: {}, status: 400, field: 'password' },
      { json: { password: 42 }, status: 400, field: 'password' },
      { json: { password: null }, status: 400, field: 'password' },
      { json: { password: 'x'.repeat(9000) }, status: 400, field: 'password' },
      { json: ['password'], status: 400, field: 'body' },
      { raw: '{"password":', status: 400 },
    ];
    for (const c of cases) {
      const res = await deleteAccount(service.url, mine.access_token, c.json, c.raw);
      expect({ c, status: res.status }).toEqual({ c, status: c.status });
      expect(res.body).toMatchObject({ error: 'invalid_request' });
      if (c.field) expect(String(res.body.error_description)).toMatch(new RegExp(`^${c.field}: `));
    }
    expect((await request(service.url, 'DELETE', '/auth/account', { json: { password: PASSWORD } })).status).toBe(401);
    expect((await get(service.url, '/auth/me', mine.access_token)).status).toBe(200);
    expect(service.sink.lines.join('\n')).not.toMatch(/"level":(50|60)/);
  });
});
