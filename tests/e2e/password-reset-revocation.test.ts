import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, type TokenPairBody } from '../auth/support/http-client.js';
import { mailsTo } from '../auth/accounts/account-harness.js';
import { expectAcceptedEverywhere, expectRevokedEverywhere, REVOCATION_MODES, startRevocationStack, type RevocationStack } from './support/revocation-stack.js';

/**
 * A password reset ends every session of the account: the access tokens of all of them are
 * refused by the gateway, notes and reports within a second, with Redis and without (the
 * revocation feed), while another account's token lives on. The whole flow goes through the
 * gateway, as a user's browser would: register, verify, forgot, reset.
 */

for (const { mode, enabled } of REVOCATION_MODES) {
  describe.runIf(enabled)(`password reset at every verifier (${mode})`, () => {
    let stack: RevocationStack;
    beforeAll(async () => {
      stack = await startRevocationStack(mode);
    }, 60_000);
    afterAll(() => stack?.close());

    async function login(username: string): Promise<TokenPairBody> {
      const res = await post<TokenPairBody>(stack.gateway.url, '/auth/login', { username, password: PASSWORD });
      expect(res.status).toBe(200);
      return res.body;
    }

    it('when a user resets the password through the gateway, then every access token of every session of theirs is refused by the gateway, notes and reports within a second', async () => {
      const username = `reset-e2e-${mode}`;
      const email = `${username}@example.test`;
      expect((await post(stack.gateway.url, '/auth/register', { username, password: PASSWORD, email })).status).toBe(201);
      const [verification] = await mailsTo(stack.auth.dataDir, email);
      expect((await post(stack.gateway.url, '/auth/email/verify', { token: verification!.token })).status).toBe(204);
      const sessions = [await login(username), await login(username)];
      const refreshed = (await post<TokenPairBody>(stack.gateway.url, '/auth/refresh', { refresh_token: sessions[0]!.refresh_token })).body;
      const tokens = [sessions[0]!.access_token, sessions[1]!.access_token, refreshed.access_token];
      expect((await post(stack.gateway.url, '/auth/register', { username: `${username}-other`, password: PASSWORD })).status).toBe(201);
      const bystander = await login(`${username}-other`);
      await expectAcceptedEverywhere(stack, [...tokens, bystander.access_token]);

      expect((await post(stack.gateway.url, '/auth/password/forgot', { login: username })).status).toBe(202);
      const [, resetMail] = await mailsTo(stack.auth.dataDir, email, 2);
      const since = Date.now();
      expect((await post(stack.gateway.url, '/auth/password/reset', { token: resetMail!.token, password: 'the new passphrase of mine' })).status).toBe(204);

      await expectRevokedEverywhere(stack, tokens, since, 'the reset');
      await expectAcceptedEverywhere(stack, [bystander.access_token]);
      expect((await post(stack.gateway.url, '/auth/refresh', { refresh_token: refreshed.refresh_token })).status).toBe(401);
    });
  });
}
