import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { get, post, registerAndLogin } from './support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';
import { tokenStoreVariants } from './support/token-stores.js';

for (const variant of tokenStoreVariants) {
  describe.runIf(variant.enabled)(`introspection and revocation on the ${variant.name}`, () => {
    let auth: TestAuth;
    let foreign: TestAuth;
    const secret = newSecret();
    const rs = basic('resource-server', secret);
    const user = `intro-${variant.name.split(' ')[0]}`;

    beforeAll(async () => {
      const clients = new MemoryClientStore();
      auth = await startTestAuth({ clients, tokens: variant.create });
      // Another issuer with its own keys: its tokens are foreign here.
      foreign = await startTestAuth({ clients: new MemoryClientStore(), env: { AUTH_ISSUER: 'http://foreign.example' } });
      await addSecretClient(clients, 'resource-server', secret);
      await addSecretClient(clients, 'svc', secret);
      await addSecretClient(clients, 'other', secret);
    });
    afterAll(async () => {
      await auth?.stop();
      await foreign?.stop();
      await variant.cleanup();
    });

    const introspect = (token: string, extra: Record<string, string> = {}, authorization = rs) =>
      postForm(auth.url, '/oauth/introspect', { token, ...extra }, { authorization });
    const revoke = (token: string, clientId: string, extra: Record<string, string> = {}) =>
      postForm(auth.url, '/oauth/revoke', { token, ...extra }, { authorization: basic(clientId, secret) });
    const clientToken = async (clientId: string) =>
      (await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) })).body.access_token as string;

    it('when a live client-credentials token is introspected, then it is active with its claims', async () => {
      const token = await clientToken('svc');
      const res = await introspect(token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const claims = decodeJwt(token);
      expect(res.body).toEqual({
        active: true,
        sub: 'svc',
        client_id: 'svc',
        scope: 'notes:read notes:write',
        exp: claims.exp,
        iat: claims.iat,
        iss: auth.config.AUTH_ISSUER,
        aud: 'api',
        jti: claims.jti,
        token_type: 'Bearer',
      });
    });

    it('when a user access token and its refresh token are introspected, then both are active and name the user', async () => {
      const login = await registerAndLogin(auth.url, user);
      const access = await introspect(login.access_token);
      expect(access.body).toMatchObject({ active: true, sub: login.id, username: user, client_id: auth.config.FIRST_PARTY_CLIENT_ID, token_type: 'Bearer' });
      const refresh = await introspect(login.refresh_token, { token_type_hint: 'refresh_token' });
      expect(refresh.body).toMatchObject({ active: true, sub: login.id, username: user, token_type: 'refresh_token', iss: auth.config.AUTH_ISSUER });
      // A wrong hint still finds the token (RFC 7662 §2.1).
      expect((await introspect(login.refresh_token, { token_type_hint: 'access_token' })).body.active).toBe(true);
    });

    it.each([
      ['garbage', async () => 'not-a-token'],
      ['a JWT from another issuer', async () => (await registerAndLogin(foreign.url, 'foreigner')).access_token],
      ['an unknown refresh token', async () => 'A'.repeat(43)],
    ])('when %s is introspected, then only {active:false}', async (_name, make) => {
      const res = await introspect(await make());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ active: false });
    });

    it('when an expired token is introspected, then {active:false}', async () => {
      const token = await clientToken('svc');
      auth.clock.advance(901_000);
      try {
        expect((await introspect(token)).body).toEqual({ active: false });
      } finally {
        auth.clock.advance(-901_000);
      }
    });

    it('when the caller does not authenticate as a client, then 401 invalid_client', async () => {
      const token = await clientToken('svc');
      const res = await postForm(auth.url, '/oauth/introspect', { token });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      const wrong = await introspect(token, {}, basic('resource-server', 'wrong'));
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="auth"');
      const publicClient = await postForm(auth.url, '/oauth/introspect', { token, client_id: auth.config.FIRST_PARTY_CLIENT_ID });
      expect(publicClient.status).toBe(401);
    });

    it('when no token parameter is sent, then 400 invalid_request', async () => {
      const res = await postForm(auth.url, '/oauth/introspect', {}, { authorization: rs });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('when a client revokes its own access token, then its jti is denied and introspection says inactive', async () => {
      const token = await clientToken('svc');
      const res = await revoke(token, 'svc', { token_type_hint: 'access_token' });
      expect(res.status).toBe(200);
      expect((await introspect(token)).body).toEqual({ active: false });
    });

    it("when a client revokes another client's token, then 400 unauthorized_client, uncached, and nothing changes (RFC 7009 §2.1)", async () => {
      const token = await clientToken('svc');
      for (const hint of [{}, { token_type_hint: 'access_token' }, { token_type_hint: 'refresh_token' }] as Record<string, string>[]) {
        const res = await revoke(token, 'other', hint);
        expect(res.status).toBe(400);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'the token was not issued to this client' });
      }
      expect((await introspect(token)).body.active).toBe(true);
    });

    it("when a client revokes a user's live refresh token, then 400 unauthorized_client and the family lives on", async () => {
      const login = await registerAndLogin(auth.url, `${user}-live-other`);
      const res = await revoke(login.refresh_token, 'svc', { token_type_hint: 'refresh_token' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
      expect((await introspect(login.refresh_token)).body.active).toBe(true);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: login.refresh_token })).status).toBe(200);
    });

    it('when an expired token of its own is revoked, then still 200', async () => {
      const token = await clientToken('svc');
      auth.clock.advance(901_000);
      try {
        expect((await revoke(token, 'svc')).status).toBe(200);
      } finally {
        auth.clock.advance(-901_000);
      }
    });

    it('when an unknown token is revoked, then still 200', async () => {
      expect((await revoke('no-such-token', 'svc')).status).toBe(200);
      expect((await revoke('B'.repeat(43), 'svc', { token_type_hint: 'refresh_token' })).status).toBe(200);
    });

    it('when revocation has no client authentication, then 401 invalid_client', async () => {
      const res = await postForm(auth.url, '/oauth/revoke', { token: 'x' });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('when the first-party client revokes a refresh token, then its whole family dies and the access token of the user keeps its own lifetime', async () => {
      const login = await registerAndLogin(auth.url, `${user}-rv`);
      const rotated = await post(auth.url, '/auth/refresh', { refresh_token: login.refresh_token });
      expect(rotated.status).toBe(200);
      const res = await postForm(auth.url, '/oauth/revoke', {
        token: rotated.body.refresh_token,
        token_type_hint: 'refresh_token',
        client_id: auth.config.FIRST_PARTY_CLIENT_ID,
      });
      expect(res.status).toBe(200);
      expect((await introspect(rotated.body.refresh_token)).body).toEqual({ active: false });
      const again = await post(auth.url, '/auth/refresh', { refresh_token: rotated.body.refresh_token });
      expect(again.status).toBe(401);
      expect(again.body.error).toBe('invalid_grant');
    });

    it('when the first-party client revokes a refresh token that was already rotated, then the whole family dies', async () => {
      const login = await registerAndLogin(auth.url, `${user}-spent`);
      const rotated = await post(auth.url, '/auth/refresh', { refresh_token: login.refresh_token });
      expect(rotated.status).toBe(200);
      expect((await introspect(rotated.body.refresh_token)).body.active).toBe(true);
      const res = await postForm(auth.url, '/oauth/revoke', {
        token: login.refresh_token,
        token_type_hint: 'refresh_token',
        client_id: auth.config.FIRST_PARTY_CLIENT_ID,
      });
      expect(res.status).toBe(200);
      expect((await introspect(rotated.body.refresh_token)).body).toEqual({ active: false });
      expect((await post(auth.url, '/auth/refresh', { refresh_token: rotated.body.refresh_token })).status).toBe(401);
    });

    it("when another client revokes a user's spent refresh token, then 400 unauthorized_client and the family lives on", async () => {
      const login = await registerAndLogin(auth.url, `${user}-spent-other`);
      const rotated = await post(auth.url, '/auth/refresh', { refresh_token: login.refresh_token });
      for (const hint of [{ token_type_hint: 'refresh_token' }, {}] as Record<string, string>[]) {
        const res = await revoke(login.refresh_token, 'svc', hint);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('unauthorized_client');
      }
      expect((await introspect(rotated.body.refresh_token)).body.active).toBe(true);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: rotated.body.refresh_token })).status).toBe(200);
    });

    it("when a user's access token is revoked by the first-party client, then /auth/me refuses it", async () => {
      const login = await registerAndLogin(auth.url, `${user}-at`);
      expect((await get(auth.url, '/auth/me', login.access_token)).status).toBe(200);
      const res = await postForm(auth.url, '/oauth/revoke', { token: login.access_token, client_id: auth.config.FIRST_PARTY_CLIENT_ID });
      expect(res.status).toBe(200);
      expect((await get(auth.url, '/auth/me', login.access_token)).status).toBe(401);
      expect((await introspect(login.access_token)).body).toEqual({ active: false });
    });
  });
}
