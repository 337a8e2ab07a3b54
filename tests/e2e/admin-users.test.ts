import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, registerAndLogin, request, type TokenPairBody } from '../auth/support/http-client.js';
import { waitFor } from '../gateway/http-client.js';
import { REVOCATION_MODES, REVOCATION_WITHIN_MS, startRevocationStack, type RevocationStack } from './support/revocation-stack.js';

/**
 * The admin API for a user's sessions and the user itself: ending them (one or all) or deleting
 * the user is refused at the gateway within a second, in both revocation modes; a bystander is
 * untouched; another user's sid is 404.
 */

for (const { mode, enabled } of REVOCATION_MODES) {
  describe.runIf(enabled)(`admin API for a user's sessions (${mode})`, () => {
    let stack: RevocationStack;
    beforeAll(async () => {
      stack = await startRevocationStack(mode);
    }, 60_000);
    afterAll(() => stack?.close());

    const admin = (method: string, path: string) => request(stack.auth.url, method, path, { token: stack.adminToken });
    const notes = (token: string) => request(stack.gateway.url, 'GET', '/api/notes', { token });
    const login = async (username: string) => (await post<TokenPairBody>(stack.auth.url, '/auth/login', { username, password: PASSWORD })).body;
    async function refusedWithinASecond(tokens: string[]): Promise<void> {
      const since = Date.now();
      await waitFor(async () => (await Promise.all(tokens.map(notes))).every((res) => res.status === 401), { timeoutMs: REVOCATION_WITHIN_MS + 2_000, intervalMs: 25 });
      expect(Date.now() - since).toBeLessThan(REVOCATION_WITHIN_MS + 250);
    }

    it('when an operator lists and ends one session, then only that one is refused; another user\'s sid is 404', async () => {
      const first = await registerAndLogin(stack.auth.url, `adm-one-${mode}`);
      const second = await login(`adm-one-${mode}`);
      const other = await registerAndLogin(stack.auth.url, `adm-other-${mode}`);
      const listed = await admin('GET', `/admin/users/${first.id}/sessions`);
      expect(listed.status).toBe(200);
      expect(listed.body.sessions).toHaveLength(2);
      const otherSid = (await admin('GET', `/admin/users/${other.id}/sessions`)).body.sessions[0].sid as string;
      expect((await admin('DELETE', `/admin/users/${first.id}/sessions/${otherSid}`)).status).toBe(404);

      const firstSid = JSON.parse(Buffer.from(first.access_token.split('.')[1]!, 'base64url').toString()).sid as string;
      expect((await admin('DELETE', `/admin/users/${first.id}/sessions/${firstSid}`)).status).toBe(204);
      await refusedWithinASecond([first.access_token]);
      expect((await notes(second.access_token)).status).toBe(200);
      expect((await notes(other.access_token)).status).toBe(200);
    });

    it('when an operator ends every session, then all of them are refused within a second and the user can sign in again', async () => {
      const first = await registerAndLogin(stack.auth.url, `adm-all-${mode}`);
      const second = await login(`adm-all-${mode}`);
      expect((await admin('DELETE', `/admin/users/${first.id}/sessions`)).status).toBe(204);
      await refusedWithinASecond([first.access_token, second.access_token]);
      expect((await admin('GET', `/admin/users/${first.id}/sessions`)).body.sessions).toEqual([]);
      expect((await notes((await login(`adm-all-${mode}`)).access_token)).status).toBe(200);
    });

    it('when an operator deletes a user, then their tokens are refused within a second, the refresh and login fail, and the user is gone', async () => {
      const user = await registerAndLogin(stack.auth.url, `adm-del-${mode}`);
      const bystander = await registerAndLogin(stack.auth.url, `adm-del-by-${mode}`);
      expect((await admin('DELETE', `/admin/users/${user.id}`)).status).toBe(204);
      await refusedWithinASecond([user.access_token]);
      expect((await post(stack.auth.url, '/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(401);
      expect((await post(stack.auth.url, '/auth/login', { username: `adm-del-${mode}`, password: PASSWORD })).status).toBe(401);
      expect((await admin('GET', `/admin/users/${user.id}/sessions`)).status).toBe(404);
      expect((await admin('DELETE', `/admin/users/${user.id}`)).status).toBe(404);
      expect((await notes(bystander.access_token)).status).toBe(200);
    });

    it('when an operator asks for a reset mail of a user without a verified address, then 409; of no user, 404', async () => {
      const user = await registerAndLogin(stack.auth.url, `adm-reset-${mode}`);
      const refused = await admin('POST', `/admin/users/${user.id}/password-reset`);
      expect(refused.status).toBe(409);
      expect(refused.body.error_description).toMatch(/verified e-mail/);
      expect((await admin('POST', '/admin/users/no-such-user/password-reset')).status).toBe(404);
    });
  });
}
