import { describe, expect, it } from 'vitest';
import { get, PASSWORD, post, type TokenPairBody } from '../support/http-client.js';
import { accountsAuthPerTest } from './account-harness.js';

const NEW_PASSWORD = 'a changed and long passphrase';

const auth = accountsAuthPerTest();

describe('password change', () => {
  it('when a user changes the password with the current one, then every other session ends and the caller\'s lives on', async () => {
    const service = await auth();
    const registered = await post(service.url, '/auth/register', { username: 'carla', password: PASSWORD });
    const mine = (await post<TokenPairBody>(service.url, '/auth/login', { username: 'carla', password: PASSWORD })).body;
    const other = (await post<TokenPairBody>(service.url, '/auth/login', { username: 'carla', password: PASSWORD })).body;

    const changed = await post(service.url, '/auth/password/change', { current_password: PASSWORD, new_password: NEW_PASSWORD }, mine.access_token);
    expect(changed.status).toBe(204);
    expect((await get(service.url, '/auth/me', mine.access_token)).status).toBe(200);
    expect((await post(service.url, '/auth/refresh', { refresh_token: mine.refresh_token })).status).toBe(200);
    expect((await get(service.url, '/auth/me', other.access_token)).status).toBe(401);
    expect((await post(service.url, '/auth/refresh', { refresh_token: other.refresh_token })).status).toBe(401);
    expect((await post(service.url, '/auth/login', { username: 'carla', password: PASSWORD })).status).toBe(401);
    expect((await post(service.url, '/auth/login', { username: 'carla', password: NEW_PASSWORD })).status).toBe(200);
    expect(service.sink.audit().find((l) => l.event === 'password.changed')).toMatchObject({ user_id: registered.body.id, sessions_ended: 1 });
  });

  it('when the current password is wrong, then 400 invalid_grant, nothing changes, and the failures count toward the login limit', async () => {
    const service = await auth({ LOGIN_MAX_FAILURES: '2' });
    await post(service.url, '/auth/register', { username: 'dora', password: PASSWORD });
    const mine = (await post<TokenPairBody>(service.url, '/auth/login', { username: 'dora', password: PASSWORD })).body;
    const wrong = { current_password: `${PASSWORD}?`, new_password: NEW_PASSWORD };
    const first = await post(service.url, '/auth/password/change', wrong, mine.access_token);
    expect(first.status).toBe(400);
    expect(first.body).toMatchObject({ error: 'invalid_grant' });
    expect((await post(service.url, '/auth/password/change', wrong, mine.access_token)).status).toBe(400);
    expect((await post(service.url, '/auth/password/change', wrong, mine.access_token)).status).toBe(429);
    expect((await get(service.url, '/auth/me', mine.access_token)).status).toBe(200);
  });
});
