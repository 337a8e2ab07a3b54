import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, PASSWORD, post, request, type TokenPairBody } from '../auth/support/http-client.js';
import { registerNotesApp, signInToApp } from './support/app-sign-in.js';
import { expectAcceptedEverywhere, expectRevokedEverywhere, REVOCATION_MODES, startRevocationStack, type RevocationStack } from './support/revocation-stack.js';

/**
 * A session the user ends from their session list, and every session of an account the user
 * deletes, are refused by the gateway, notes and reports within a second, with Redis and without
 * (the revocation feed), while other sessions live on. Everything goes through the gateway.
 */

const APP = 'own-sessions-app';

for (const { mode, enabled } of REVOCATION_MODES) {
  describe.runIf(enabled)(`self-service session end at every verifier (${mode})`, () => {
    let stack: RevocationStack;
    beforeAll(async () => {
      stack = await startRevocationStack(mode);
      await registerNotesApp(stack.clients, APP);
    }, 60_000);
    afterAll(() => stack?.close());

    async function login(username: string, userAgent = 'e2e'): Promise<TokenPairBody> {
      const res = await request<TokenPairBody>(stack.gateway.url, 'POST', '/auth/login', { json: { username, password: PASSWORD }, headers: { 'user-agent': userAgent } });
      expect(res.status).toBe(200);
      return res.body;
    }

    it('when a user ends one of their sessions from the list, then its access tokens are refused by the gateway, notes and reports within a second, and the caller\'s session lives on', async () => {
      const username = `end-one-${mode}`;
      expect((await post(stack.gateway.url, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
      const mine = await login(username, 'laptop');
      const lost = await login(username, 'lost phone');
      const refreshed = (await post<TokenPairBody>(stack.gateway.url, '/auth/refresh', { refresh_token: lost.refresh_token })).body;
      await expectAcceptedEverywhere(stack, [mine.access_token, lost.access_token, refreshed.access_token]);
      const listed = await get<{ sessions: Array<{ sid: string; user_agent: string }> }>(stack.gateway.url, '/auth/sessions', mine.access_token);
      const target = listed.body.sessions.find((s) => s.user_agent === 'lost phone')!;

      const since = Date.now();
      expect((await request(stack.gateway.url, 'DELETE', `/auth/sessions/${target.sid}`, { token: mine.access_token })).status).toBe(204);
      await expectRevokedEverywhere(stack, [lost.access_token, refreshed.access_token], since, 'DELETE /auth/sessions/:sid');
      await expectAcceptedEverywhere(stack, [mine.access_token]);
      expect((await post(stack.gateway.url, '/auth/refresh', { refresh_token: refreshed.refresh_token })).status).toBe(401);
    });

    it('when a user signs in to an app on the hosted page, then the session list shows that browser, and ending it there refuses the app\'s tokens at every verifier within a second', async () => {
      const username = `app-session-${mode}`;
      expect((await post(stack.gateway.url, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
      const mine = await login(username, 'account page');
      const app = await signInToApp(stack.auth.url, APP, username, PASSWORD, 'AppBrowser/1.0 (hosted sign-in)');
      await expectAcceptedEverywhere(stack, [app.tokens.access_token]);
      const { sessions } = (await get<{ sessions: Array<{ sid: string; user_agent: string; ip: string }> }>(stack.gateway.url, '/auth/sessions', mine.access_token)).body;
      const appSession = sessions.find((s) => s.user_agent === 'AppBrowser/1.0 (hosted sign-in)');
      expect(appSession?.ip).toBeTruthy();

      const since = Date.now();
      expect((await request(stack.gateway.url, 'DELETE', `/auth/sessions/${appSession!.sid}`, { token: mine.access_token })).status).toBe(204);
      await expectRevokedEverywhere(stack, [app.tokens.access_token], since, 'DELETE /auth/sessions/:sid (app session)');
      await expectAcceptedEverywhere(stack, [mine.access_token]);
    });

    it('when a user deletes the account, then every access token of every session of theirs is refused by the gateway, notes and reports within a second, refresh is refused, and another account lives on', async () => {
      const username = `delete-me-${mode}`;
      expect((await post(stack.gateway.url, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
      expect((await post(stack.gateway.url, '/auth/register', { username: `${username}-other`, password: PASSWORD })).status).toBe(201);
      const sessions = [await login(username), await login(username)];
      const bystander = await login(`${username}-other`);
      const tokens = sessions.map((s) => s.access_token);
      await expectAcceptedEverywhere(stack, [...tokens, bystander.access_token]);

      const since = Date.now();
      expect((await request(stack.gateway.url, 'DELETE', '/auth/account', { token: tokens[0]!, json: { password: PASSWORD } })).status).toBe(204);
      await expectRevokedEverywhere(stack, tokens, since, 'DELETE /auth/account');
      await expectAcceptedEverywhere(stack, [bystander.access_token]);
      for (const s of sessions) expect((await post(stack.gateway.url, '/auth/refresh', { refresh_token: s.refresh_token })).status).toBe(401);
    });
  });
}
