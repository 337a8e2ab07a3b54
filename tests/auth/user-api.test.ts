import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { get, PASSWORD, post, registerAndLogin } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';
import { tokenStoreVariants } from './support/token-stores.js';

for (const variant of tokenStoreVariants) {
  describe.runIf(variant.enabled)(`user API on the ${variant.name}`, () => {
    let auth: TestAuth;
    beforeAll(async () => {
      auth = await startTestAuth({ tokens: variant.create });
    });
    afterAll(async () => {
      await auth?.stop();
      await variant.cleanup();
    });

    it('when a user registers, then 201 gives the id and the normalized username', async () => {
      const res = await post(auth.url, '/auth/register', { username: '  Alice.Example ', password: PASSWORD, email: 'alice@example.com' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), username: 'alice.example' });
    });

    it('when the same name is registered in another case or width, then 409 username_taken', async () => {
      await post(auth.url, '/auth/register', { username: 'bob', password: PASSWORD });
      for (const username of ['BOB', ' Bob', 'ｂｏｂ']) {
        const res = await post(auth.url, '/auth/register', { username, password: PASSWORD });
        expect(res.status).toBe(409);
        expect(res.body.error).toBe('username_taken');
      }
    });

    it('when a user logs in with any casing, then the contract token response comes back, never cached', async () => {
      await post(auth.url, '/auth/register', { username: 'carol', password: PASSWORD });
      const res = await post(auth.url, '/auth/login', { username: 'CAROL', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/),
        scope: 'notes:read notes:write reports:read',
      });
    });

    it('when /auth/me is called with the access token, then it names the caller', async () => {
      const tokens = await registerAndLogin(auth.url, 'dave');
      const res = await get(auth.url, '/auth/me', tokens.access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: tokens.id, username: 'dave', roles: ['user'], scope: 'notes:read notes:write reports:read' });
    });

    it('when /auth/me has no or a bad token, then 401 with a Bearer challenge (bare when none was sent)', async () => {
      const missing = await get(auth.url, '/auth/me');
      expect(missing.status).toBe(401);
      expect(missing.body.error).toBe('unauthorized');
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="auth"');
      const bad = await get(auth.url, '/auth/me', 'not.a.jwt');
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="auth", error="invalid_token"/);
    });

    it('when a refresh token is used, then a new pair comes back and the old one is spent', async () => {
      const first = await registerAndLogin(auth.url, 'erin');
      const second = await post(auth.url, '/auth/refresh', { refresh_token: first.refresh_token });
      expect(second.status).toBe(200);
      expect(second.headers.get('cache-control')).toBe('no-store');
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      expect((await get(auth.url, '/auth/me', second.body.access_token)).body.username).toBe('erin');
      const third = await post(auth.url, '/auth/refresh', { refresh_token: second.body.refresh_token });
      expect(third.status).toBe(200);
    });

    it('when a user logs out, then the access token and the refresh family are dead', async () => {
      const tokens = await registerAndLogin(auth.url, 'frank');
      const res = await post(auth.url, '/auth/logout', { refresh_token: tokens.refresh_token }, tokens.access_token);
      expect(res.status).toBe(204);
      const me = await get(auth.url, '/auth/me', tokens.access_token);
      expect(me.status).toBe(401);
      expect(me.body.error).toBe('invalid_token');
      const refresh = await post(auth.url, '/auth/refresh', { refresh_token: tokens.refresh_token });
      expect(refresh.status).toBe(401);
      expect(refresh.body.error).toBe('invalid_grant');
    });

    it('when a user logs out without a refresh token, then the whole login session ends (its sid), refresh token included, and another login does not', async () => {
      const tokens = await registerAndLogin(auth.url, 'grace');
      const other = await post(auth.url, '/auth/login', { username: 'grace', password: PASSWORD });
      expect((await post(auth.url, '/auth/logout', undefined, tokens.access_token)).status).toBe(204);
      expect((await get(auth.url, '/auth/me', tokens.access_token)).status).toBe(401);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(401);
      expect((await get(auth.url, '/auth/me', other.body.access_token)).status).toBe(200);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: other.body.refresh_token })).status).toBe(200);
    });

    it("when a user logs out with someone else's refresh token, then that token keeps working", async () => {
      const mallory = await registerAndLogin(auth.url, 'mallory');
      const victim = await registerAndLogin(auth.url, 'victim');
      expect((await post(auth.url, '/auth/logout', { refresh_token: victim.refresh_token }, mallory.access_token)).status).toBe(204);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: victim.refresh_token })).status).toBe(200);
    });

    it('when a user logs out with a refresh token that was already rotated, then the family ends, successor included', async () => {
      const tokens = await registerAndLogin(auth.url, 'ivy');
      const rotated = await post(auth.url, '/auth/refresh', { refresh_token: tokens.refresh_token });
      expect(rotated.status).toBe(200);
      // The stale copy: spent, but it still names the session.
      expect((await post(auth.url, '/auth/logout', { refresh_token: tokens.refresh_token }, rotated.body.access_token)).status).toBe(204);
      const successor = await post(auth.url, '/auth/refresh', { refresh_token: rotated.body.refresh_token });
      expect(successor.status).toBe(401);
      expect(successor.body.error).toBe('invalid_grant');
      expect((await get(auth.url, '/auth/me', rotated.body.access_token)).status).toBe(401);
    });

    it("when a user logs out with someone else's spent refresh token, then that family lives on", async () => {
      const mallory = await registerAndLogin(auth.url, 'mallory-spent');
      const victim = await registerAndLogin(auth.url, 'victim-spent');
      const rotated = await post(auth.url, '/auth/refresh', { refresh_token: victim.refresh_token });
      expect((await post(auth.url, '/auth/logout', { refresh_token: victim.refresh_token }, mallory.access_token)).status).toBe(204);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: rotated.body.refresh_token })).status).toBe(200);
    });

    it('when an access token expires, then /auth/me refuses it', async () => {
      const tokens = await registerAndLogin(auth.url, 'heidi');
      auth.clock.advance(901_000);
      try {
        const res = await get(auth.url, '/auth/me', tokens.access_token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('expired');
      } finally {
        auth.clock.advance(-901_000);
      }
    });

    it('when /healthz and /readyz are asked, then both answer and readiness lists the checks', async () => {
      expect((await get(auth.url, '/healthz')).status).toBe(200);
      const ready = await get(auth.url, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ 'user-store': 'ok', 'token-store': 'ok', 'client-store': 'ok', 'app-session-store': 'ok', 'account-token-store': 'ok', 'passkey-store': 'ok', 'totp-store': 'ok', mail: 'ok', 'backchannel-logout': 'ok', 'signing-key': 'ok' });
    });
  });
}

describe('GET /auth/me with a client-credentials token', () => {
  let auth: TestAuth;
  const secret = newSecret();
  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuth({ clients });
    await addSecretClient(clients, 'svc-me', secret, { scopes: ['notes:read', 'reports:read'] });
  });
  afterAll(() => auth?.stop());

  it('when a client calls /auth/me with its own valid token, then 200 names the client: no username, no roles (RFC 6749 §4.4)', async () => {
    const token = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials', scope: 'notes:read' }, { authorization: basic('svc-me', secret) });
    expect(token.status).toBe(200);
    const res = await get(auth.url, '/auth/me', token.body.access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ sub: 'svc-me', roles: [], scope: 'notes:read', client_id: 'svc-me' });
  });

  it('when a user calls /auth/me, then the answer is unchanged (no client_id)', async () => {
    const tokens = await registerAndLogin(auth.url, 'me-user');
    const res = await get(auth.url, '/auth/me', tokens.access_token);
    expect(res.body).toEqual({ sub: tokens.id, username: 'me-user', roles: ['user'], scope: 'notes:read notes:write reports:read' });
  });
});
