import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PASSWORD, post, registerAndLogin, type TokenPairBody } from '../auth/support/http-client.js';
import { basic, postForm } from '../auth/support/oauth-client.js';
import { waitFor } from '../gateway/http-client.js';
import { appLogout, registerNotesApp, signInToApp } from './support/app-sign-in.js';
import { expectAcceptedEverywhere, expectRevokedEverywhere, REVOCATION_MODES, REVOCATION_WITHIN_MS, startRevocationStack, type RevocationStack } from './support/revocation-stack.js';

/**
 * "This session is over" (admin lock, RP-initiated logout, refresh token revocation, logout)
 * reaches every verifier within a second, in both revocation modes: every access token carrying
 * the session's `sid` is refused by the gateway, notes and reports, and a WebSocket opened with
 * one through the gateway is closed. Real processes' code in this process: auth, notes, reports,
 * gateway, each verifier with the revocation list production opens for it.
 */

for (const { mode, enabled } of REVOCATION_MODES) {
  describe.runIf(enabled)(`session revocation at every verifier (${mode})`, () => {
    let stack: RevocationStack;
    const APP = `notes-app-${mode}`;
    beforeAll(async () => {
      stack = await startRevocationStack(mode);
      await registerNotesApp(stack.clients, APP);
    }, 60_000);
    afterAll(() => stack?.close());

    const refresh = async (refreshToken: string) => (await post<TokenPairBody>(stack.gateway.url, '/auth/refresh', { refresh_token: refreshToken })).body;

    /** What reports does for a user: RFC 8693 exchange of the user's token for one to read notes. */
    async function exchanged(subjectToken: string): Promise<string> {
      const res = await postForm(
        stack.auth.url,
        '/oauth/token',
        { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', scope: 'notes:read' },
        { authorization: basic('reports', stack.reportsSecret) },
      );
      expect(res.status).toBe(200);
      return res.body.access_token as string;
    }

    it('when an admin locks a user, then every access token of every session of theirs is refused by the gateway, notes and reports within a second', async () => {
      const first = await registerAndLogin(stack.auth.url, `lock-${mode}`);
      const refreshed = await refresh(first.refresh_token);
      const second = await post<TokenPairBody>(stack.auth.url, '/auth/login', { username: `lock-${mode}`, password: PASSWORD });
      const bystander = await registerAndLogin(stack.auth.url, `lock-bystander-${mode}`);
      const tokens = [first.access_token, refreshed.access_token, second.body.access_token];
      await expectAcceptedEverywhere(stack, [...tokens, bystander.access_token]);

      const locked = await post(stack.auth.url, `/admin/users/${first.id}/lock`, {}, stack.adminToken);
      expect(locked.status).toBe(200);
      await expectRevokedEverywhere(stack, tokens, Date.now(), 'the session end');
      await expectAcceptedEverywhere(stack, [bystander.access_token]);
    });

    it('when an app logs out at GET /oauth/logout, then the access tokens of its session are refused by every verifier within a second', async () => {
      await registerAndLogin(stack.auth.url, `rp-logout-${mode}`);
      const signedIn = await signInToApp(stack.auth.url, APP, `rp-logout-${mode}`, PASSWORD);
      await expectAcceptedEverywhere(stack, [signedIn.tokens.access_token]);

      const out = await appLogout(stack.auth.url, APP, signedIn);
      expect(out.status).toBe(302);
      await expectRevokedEverywhere(stack, [signedIn.tokens.access_token], Date.now(), 'the session end');
    });

    it('when a refresh token is revoked at /oauth/revoke, then the access tokens of its session, from before and after a refresh, are refused by every verifier within a second', async () => {
      const login = await registerAndLogin(stack.auth.url, `revoke-${mode}`);
      const refreshed = await refresh(login.refresh_token);
      await expectAcceptedEverywhere(stack, [login.access_token, refreshed.access_token]);

      const revoked = await postForm(stack.auth.url, '/oauth/revoke', { token: refreshed.refresh_token, token_type_hint: 'refresh_token', client_id: 'first-party' });
      expect(revoked.status).toBe(200);
      await expectRevokedEverywhere(stack, [login.access_token, refreshed.access_token], Date.now(), 'the session end');
    });

    it('when a user logs out at /auth/logout, then the tokens issued before a refresh and the ones exchanged by reports are refused within a second, and another session lives on', async () => {
      const login = await registerAndLogin(stack.auth.url, `logout-${mode}`);
      const forNotes = await exchanged(login.access_token);
      expect(decodeJwt(forNotes).sid).toBe(decodeJwt(login.access_token).sid);
      const refreshed = await refresh(login.refresh_token);
      const other = await post<TokenPairBody>(stack.auth.url, '/auth/login', { username: `logout-${mode}`, password: PASSWORD });
      await expectAcceptedEverywhere(stack, [login.access_token, forNotes, other.body.access_token]);

      expect((await post(stack.gateway.url, '/auth/logout', {}, refreshed.access_token)).status).toBe(204);
      await expectRevokedEverywhere(stack, [login.access_token, forNotes], Date.now(), 'the session end');
      await expectAcceptedEverywhere(stack, [other.body.access_token]);
    });

    it('when a user is locked while a WebSocket of theirs is open through the gateway, then the gateway closes it within a second, and another user\'s socket stays open', async () => {
      const user = await registerAndLogin(stack.auth.url, `ws-lock-${mode}`);
      const bystander = await registerAndLogin(stack.auth.url, `ws-bystander-${mode}`);
      const socket = await openFeed(stack.gateway.url, user.access_token);
      const other = await openFeed(stack.gateway.url, bystander.access_token);

      expect((await post(stack.auth.url, `/admin/users/${user.id}/lock`, {}, stack.adminToken)).status).toBe(200);
      const lockedAt = Date.now();
      await waitFor(() => socket.closed(), { timeoutMs: REVOCATION_WITHIN_MS + 250, intervalMs: 20 }).catch(() => {
        throw new Error(`the socket of a locked user is still open after ${Date.now() - lockedAt} ms`);
      });
      expect(other.closed()).toBe(false);
      other.ws.close();
    });

    it('when a session ends at /auth/logout while a WebSocket opened with an earlier token of it is open, then the gateway closes that socket within a second', async () => {
      const login = await registerAndLogin(stack.auth.url, `ws-logout-${mode}`);
      const socket = await openFeed(stack.gateway.url, login.access_token);
      const refreshed = await refresh(login.refresh_token);

      expect((await post(stack.gateway.url, '/auth/logout', {}, refreshed.access_token)).status).toBe(204);
      const loggedOutAt = Date.now();
      await waitFor(() => socket.closed(), { timeoutMs: REVOCATION_WITHIN_MS + 250, intervalMs: 20 }).catch(() => {
        throw new Error(`the socket of an ended session is still open after ${Date.now() - loggedOutAt} ms`);
      });
    });
  });
}

/** The notes feed (a real WebSocket upstream) through the gateway, opened with a Bearer token. */
function openFeed(gatewayUrl: string, token: string): Promise<{ ws: WebSocket; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/api/notes/feed`, { headers: { authorization: `Bearer ${token}` } });
    let closed = false;
    ws.once('close', () => (closed = true));
    ws.once('open', () => resolve({ ws, closed: () => closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`feed refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
