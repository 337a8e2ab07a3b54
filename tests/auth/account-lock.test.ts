import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { CookieJar } from '../support/cookie-jar.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { get, PASSWORD, post, registerAndLogin, request, type TokenPairBody } from './support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';
import { tokenStoreVariants } from './support/token-stores.js';

const ADMIN_TOKEN = 'account-lock-admin-token-0123456789abcdef';
/** One of the harness's default ALLOWED_ORIGINS. */
const ORIGIN = 'http://localhost:8080';

for (const variant of tokenStoreVariants) {
  describe.runIf(variant.enabled)(`account lock on the ${variant.name}`, () => {
    let auth: TestAuth;
    const secret = newSecret();
    const tag = variant.name.split(' ')[0];
    let names = 0;
    const newName = (label: string) => `${label}-${tag}-${++names}`;

    beforeAll(async () => {
      const clients = new MemoryClientStore();
      auth = await startTestAuth({ clients, tokens: variant.create, env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN } });
      await addSecretClient(clients, 'resource-server', secret);
    });
    afterAll(async () => {
      await auth?.stop();
      await variant.cleanup();
    });

    const admin = (method: string, path: string, token = ADMIN_TOKEN) => request(auth.url, method, path, { token });
    const lock = (id: string) => admin('POST', `/admin/users/${encodeURIComponent(id)}/lock`);
    const unlock = (id: string) => admin('POST', `/admin/users/${encodeURIComponent(id)}/unlock`);
    const login = (username: string, password = PASSWORD) => post<TokenPairBody>(auth.url, '/auth/login', { username, password });
    const introspect = (token: string) => postForm(auth.url, '/oauth/introspect', { token }, { authorization: basic('resource-server', secret) });

    /** A browser session: its cookies in a jar, ready for /auth/session/refresh. */
    async function browserSession(username: string): Promise<CookieJar> {
      const jar = new CookieJar();
      const res = await fetch(`${auth.url}/auth/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      expect(res.status).toBe(204);
      jar.store(res.headers, '/auth/session');
      return jar;
    }
    async function cookieRefresh(jar: CookieJar) {
      const res = await fetch(`${auth.url}/auth/session/refresh`, {
        method: 'POST',
        headers: { origin: ORIGIN, cookie: jar.header('/auth/session/refresh') ?? '', 'x-csrf-token': jar.get('csrf_token') ?? '' },
      });
      jar.store(res.headers, '/auth/session/refresh');
      return { status: res.status, body: JSON.parse((await res.text()) || 'null') as Record<string, unknown> | null };
    }

    describe('admin endpoints', () => {
      it.each([
        ['no Authorization header', undefined],
        ['a wrong admin token', `${ADMIN_TOKEN}x`],
      ])('when a user endpoint is called with %s, then 401 and nothing is locked', async (_name, token) => {
        const username = newName('guarded');
        const user = await registerAndLogin(auth.url, username);
        for (const [method, path] of [
          ['GET', `/admin/users?username=${encodeURIComponent('whoever')}`],
          ['POST', `/admin/users/${user.id}/lock`],
          ['POST', `/admin/users/${user.id}/unlock`],
        ] as const) {
          const res = await request(auth.url, method, path, token === undefined ? {} : { token });
          expect(res.status).toBe(401);
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="admin"/);
        }
        // The lock was never applied: the user still logs in and refreshes.
        expect((await login(username)).status).toBe(200);
        expect((await post(auth.url, '/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(200);
      });

      it('when a user is looked up by username in any spelling login accepts, then id, roles and lock state come back, never the hash', async () => {
        const username = newName('lookup');
        const user = await registerAndLogin(auth.url, username);
        const res = await admin('GET', `/admin/users?username=${encodeURIComponent(`  ${username.toUpperCase()} `)}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.body).toEqual({ id: user.id, username, email: null, email_verified: false, roles: ['user'], locked: false, locked_at: null, created_at: expect.any(String), mfa: { totp: false, passkeys: 0, recovery_codes_left: 0 } });
        expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
        expect(JSON.stringify(res.body)).not.toMatch(/argon2|password|hash/i);
      });

      it.each([
        ['an unknown username', '?username=nobody-here', 404, 'not_found'],
        ['a username no registration could make', '?username=!!', 404, 'not_found'],
        // No `username` at all is the list (GET /admin/users?query=, tests/auth/admin-users-list.test.ts).
        ['an empty username', '?username=', 400, 'invalid_request'],
        ['the username twice', '?username=a&username=b', 400, 'invalid_request'],
      ])('when the lookup has %s, then %s %s', async (_name, query, status, error) => {
        const res = await admin('GET', `/admin/users${query}`);
        expect(res.status).toBe(status);
        expect(res.body.error).toBe(error);
      });

      it.each([
        ['an unknown id of a plausible shape', '0123456789abcdef01234567'],
        ['a random uuid', '6f1c2f8e-2c1a-4a7e-9a53-5e0d6b1f2a90'],
        ['a path-looking id', '..%2F..%2Fetc'],
      ])('when %s is locked or unlocked, then 404 not_found', async (_name, id) => {
        for (const res of [await admin('POST', `/admin/users/${id}/lock`), await admin('POST', `/admin/users/${id}/unlock`)]) {
          expect(res.status).toBe(404);
          expect(res.body.error).toBe('not_found');
        }
      });

      it('when a user is locked twice and unlocked, then each answer says so and the first lock time stays', async () => {
        const username = newName('roundtrip');
        const { id } = await registerAndLogin(auth.url, username);
        const locked = await lock(id);
        expect(locked.status).toBe(200);
        expect(locked.body).toMatchObject({ id, username, locked: true, locked_at: expect.any(String) });
        expect((await lock(id)).body.locked_at).toBe(locked.body.locked_at);
        expect((await admin('GET', `/admin/users?username=${username}`)).body).toMatchObject({ locked: true, locked_at: locked.body.locked_at });

        const unlocked = await unlock(id);
        expect(unlocked.status).toBe(200);
        expect(unlocked.body).toMatchObject({ id, username, locked: false, locked_at: null });
        expect((await unlock(id)).body.locked).toBe(false);
      });
    });

    describe('a locked user', () => {
      it('when a locked user logs in with the right password, then the same status and body as a wrong password and an unknown user', async () => {
        const username = newName('locked-login');
        const { id } = await registerAndLogin(auth.url, username);
        expect((await lock(id)).status).toBe(200);
        const raw = async (name: string, password: string) => {
          const res = await fetch(`${auth.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password }) });
          return { status: res.status, body: await res.text(), cacheControl: res.headers.get('cache-control') };
        };
        const lockedAnswer = await raw(username, PASSWORD);
        expect(lockedAnswer.status).toBe(401);
        expect(JSON.parse(lockedAnswer.body)).toMatchObject({ error: 'invalid_grant' });
        expect(await raw(username, 'wrong password!!')).toEqual(lockedAnswer);
        expect(await raw(newName('nobody'), PASSWORD)).toEqual(lockedAnswer);
      });

      it('when a locked user starts a browser session, then 401 invalid_grant and no cookie', async () => {
        const username = newName('locked-browser');
        const { id } = await registerAndLogin(auth.url, username);
        await lock(id);
        const res = await fetch(`${auth.url}/auth/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN },
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
        expect(res.headers.getSetCookie()).toEqual([]);
      });

      it('when a user is locked, then every refresh path refuses the tokens issued before, every access token of every session is revoked at once, and unlocking needs a new login', async () => {
        const username = newName('locked-refresh');
        const first = await registerAndLogin(auth.url, username);
        const second = (await login(username)).body;
        const third = (await login(username)).body;
        const jar = await browserSession(username);

        expect((await lock(first.id)).status).toBe(200);

        const api = await post(auth.url, '/auth/refresh', { refresh_token: first.refresh_token });
        expect(api.status).toBe(401);
        expect(api.body.error).toBe('invalid_grant');

        const oauth = await postForm(auth.url, '/oauth/token', {
          grant_type: 'refresh_token',
          refresh_token: second.refresh_token,
          client_id: auth.config.FIRST_PARTY_CLIENT_ID,
        });
        expect(oauth.status).toBe(400);
        expect(oauth.body.error).toBe('invalid_grant');

        const cookie = await cookieRefresh(jar);
        expect(cookie.status).toBe(401);
        expect(cookie.body).toMatchObject({ error: 'invalid_grant' });
        expect(jar.names()).toEqual([]);

        expect((await introspect(third.refresh_token)).body).toEqual({ active: false });

        // The lock ended every session (sid), so the access tokens already issued are refused too.
        for (const token of [first.access_token, second.access_token, third.access_token]) {
          expect((await get(auth.url, '/auth/me', token)).status).toBe(401);
          expect((await introspect(token)).body).toEqual({ active: false });
        }

        expect((await unlock(first.id)).status).toBe(200);
        // The families refused while locked stay ended; the user logs in again.
        expect((await post(auth.url, '/auth/refresh', { refresh_token: first.refresh_token })).status).toBe(401);
        const again = await login(username);
        expect(again.status).toBe(200);
        expect((await post(auth.url, '/auth/refresh', { refresh_token: again.body.refresh_token })).status).toBe(200);
      });

      it('when a user is locked, then another user keeps logging in and refreshing', async () => {
        const locked = await registerAndLogin(auth.url, newName('locked-one'));
        const other = await registerAndLogin(auth.url, newName('free-one'));
        await lock(locked.id);
        expect((await post(auth.url, '/auth/refresh', { refresh_token: other.refresh_token })).status).toBe(200);
      });
    });
  });
}
