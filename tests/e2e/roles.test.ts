import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, registerAndLogin, request, type TokenPairBody } from '../auth/support/http-client.js';
import { waitFor } from '../gateway/http-client.js';
import { REVOCATION_MODES, REVOCATION_WITHIN_MS, startRevocationStack, type RevocationStack } from './support/revocation-stack.js';

/**
 * Roles that reach the gateway: an operator gives a role (admin API), the role's scopes (AUTH_ROLES_FILE)
 * and the role show in the user's next token, and a `roles:` route admits it; taking the role away
 * ends the account's sessions, so the gateway refuses its tokens within a second, in both modes.
 */

for (const { mode, enabled } of REVOCATION_MODES) {
  describe.runIf(enabled)(`roles through a real gateway (${mode})`, () => {
    let stack: RevocationStack;
    beforeAll(async () => {
      stack = await startRevocationStack(mode, { authEnv: { AUTH_ROLES_FILE: 'tests/fixtures/roles.yaml' }, gatewayEnv: { GATEWAY_ROUTES: 'tests/fixtures/routes-with-roles.yaml' } });
    }, 60_000);
    afterAll(() => stack?.close());

    const billing = (token: string) => request(stack.gateway.url, 'GET', '/api/billing/notes', { token });
    const setRoles = (id: string, roles: unknown, token = stack.adminToken) => request(stack.auth.url, 'PATCH', `/admin/users/${id}`, { json: { roles }, token });
    const refresh = async (refreshToken: string) => (await post<TokenPairBody>(stack.gateway.url, '/auth/refresh', { refresh_token: refreshToken })).body;

    it('when an operator gives a role, then the next token carries it and its scopes, and the roles: route admits it; taking it away is refused within a second', async () => {
      const user = await registerAndLogin(stack.auth.url, `billing-${mode}`);
      expect((await billing(user.access_token)).status).toBe(403);

      const given = await setRoles(user.id, ['user', 'billing']);
      expect(given.status).toBe(200);
      expect(given.body).toMatchObject({ id: user.id, roles: ['user', 'billing'] });
      // The token in hand is what it was; the next one (a refresh) carries the role and its scope.
      expect((await billing(user.access_token)).status).toBe(403);
      const next = await refresh(user.refresh_token);
      expect(decodeJwt(next.access_token)).toMatchObject({ roles: ['user', 'billing'] });
      expect(String(decodeJwt(next.access_token).scope).split(' ')).toEqual(expect.arrayContaining(['notes:read', 'billing:read']));
      expect((await billing(next.access_token)).status).toBe(200);
      const login = await post<TokenPairBody>(stack.auth.url, '/auth/login', { username: `billing-${mode}`, password: 'correct horse battery staple' });
      expect(String(decodeJwt(login.body.access_token).scope)).toContain('billing:read');

      const bystander = await registerAndLogin(stack.auth.url, `billing-bystander-${mode}`);
      const taken = await setRoles(user.id, ['user']);
      expect(taken.status).toBe(200);
      const since = Date.now();
      await waitFor(async () => (await billing(next.access_token)).status === 401 && (await billing(login.body.access_token)).status === 401, { timeoutMs: REVOCATION_WITHIN_MS + 2_000, intervalMs: 25 });
      expect(Date.now() - since).toBeLessThan(REVOCATION_WITHIN_MS + 250);
      expect((await request(stack.gateway.url, 'GET', '/api/notes', { token: next.access_token })).status).toBe(401);
      expect((await request(stack.gateway.url, 'GET', '/api/notes', { token: bystander.access_token })).status).toBe(200);
    });

    it('when a user has role admin and a token with scope admin, then the admin API lets them in; other users get 403, no token 401', async () => {
      const admin = await registerAndLogin(stack.auth.url, `people-admin-${mode}`);
      const plain = await registerAndLogin(stack.auth.url, `people-plain-${mode}`);
      // The first admin is made with the bootstrap token.
      expect((await setRoles(admin.id, ['user', 'admin'])).status).toBe(200);
      const adminLogin = await post<TokenPairBody>(stack.auth.url, '/auth/login', { username: `people-admin-${mode}`, password: 'correct horse battery staple' });
      const adminToken = adminLogin.body.access_token;
      expect(String(decodeJwt(adminToken).scope).split(' ')).toContain('admin');

      const found = await request(stack.auth.url, 'GET', `/admin/users?username=people-plain-${mode}`, { token: adminToken });
      expect(found.status).toBe(200);
      expect(found.body.id).toBe(plain.id);
      expect((await setRoles(plain.id, ['user', 'billing'], adminToken)).status).toBe(200);

      const refused = await request(stack.auth.url, 'GET', `/admin/users?username=people-admin-${mode}`, { token: plain.access_token });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('insufficient_scope');
      expect(refused.headers.get('www-authenticate')).toMatch(/scope="admin"/);
      expect((await request(stack.auth.url, 'GET', `/admin/users?username=x`)).status).toBe(401);
      expect((await request(stack.auth.url, 'GET', `/admin/users?username=x`, { token: 'not-the-admin-token-and-no-jwt' })).status).toBe(401);
    });

    it.each([
      ['a malformed role name', { roles: ['Bad Role'] }, 400, /roles/],
      ['roles that are not a list', { roles: 'admin' }, 400, /roles/],
      ['an unknown field', { roles: ['user'], superuser: true }, 400, /superuser|unrecognized/i],
      ['no roles field', {}, 400, /roles/],
    ])('when PATCH /admin/users/:id has %s, then 400 naming the field and nothing changes', async (_name, body, status, described) => {
      const user = await registerAndLogin(stack.auth.url, `bad-roles-${mode}-${String(_name).length}-${Object.keys(body).length}`);
      const answer = await request(stack.auth.url, 'PATCH', `/admin/users/${user.id}`, { json: body, token: stack.adminToken });
      expect(answer.status).toBe(status);
      expect(answer.body.error_description).toMatch(described);
      const me = await request(stack.auth.url, 'GET', `/admin/users?username=${encodeURIComponent(`bad-roles-${mode}-${String(_name).length}-${Object.keys(body).length}`)}`, { token: stack.adminToken });
      expect(me.body.roles).toEqual(['user']);
    });

    it('when PATCH names a user that does not exist, then 404', async () => {
      expect((await setRoles('no-such-user', ['user'])).status).toBe(404);
    });
  });
}
