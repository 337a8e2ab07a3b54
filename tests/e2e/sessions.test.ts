import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, registerAndLogin } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { waitFor } from '../gateway/http-client.js';
import { HAS_REDIS } from '../support/redis.js';
import { startBrowserStack, type BrowserStack } from './support/browser-stack.js';

/**
 * Login sessions (`sid`) end to end: auth on the Redis token store, notes and the gateway fed by
 * the Redis revocation feed (in-memory lookups per request), as `npm start` runs them with REDIS_URL.
 */
describe.runIf(HAS_REDIS)('login sessions (sid) with Redis', () => {
  let stack: BrowserStack;
  beforeAll(async () => {
    stack = await startBrowserStack({ redis: true });
  });
  afterAll(() => stack?.close());

  const notesAt = (base: string, token: string) => get(base, base === stack.gatewayUrl ? '/api/notes' : '/notes', token);
  const refresh = (refreshToken: string) => post(stack.gatewayUrl, '/auth/refresh', { refresh_token: refreshToken });

  /** Every token of the list refused by the gateway and by notes itself within a second. */
  async function refusedEverywhereWithinASecond(tokens: string[]): Promise<void> {
    const started = Date.now();
    for (const base of [stack.gatewayUrl, stack.notes.url]) {
      for (const token of tokens) {
        await waitFor(async () => (await notesAt(base, token)).status === 401, { timeoutMs: 1_000, intervalMs: 20 });
        const refused = await notesAt(base, token);
        expect(refused.headers.get('www-authenticate')).toContain('the access token was revoked');
      }
    }
    expect(Date.now() - started).toBeLessThan(1_000);
  }

  it('when a user logs in and refreshes, then every access token carries one sid, and other logins get other sids', async () => {
    const first = await registerAndLogin(stack.gatewayUrl, 'sid-same');
    const sid = decodeJwt(first.access_token).sid;
    expect(sid).toEqual(expect.any(String));
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(decodeJwt(second.body.access_token)).toMatchObject({ sid });
    const viaOAuth = await postForm(stack.gatewayUrl, '/oauth/token', { grant_type: 'refresh_token', refresh_token: second.body.refresh_token, client_id: 'first-party' });
    expect(viaOAuth.status).toBe(200);
    expect(decodeJwt(viaOAuth.body.access_token)).toMatchObject({ sid });

    const other = await post(stack.gatewayUrl, '/auth/login', { username: 'sid-same', password: 'correct horse battery staple' });
    expect(decodeJwt(other.body.access_token).sid).not.toBe(sid);
  });

  it('when a user logs out with the newest token, then the older tokens of that session are refused by every verifier within a second, and another session lives on', async () => {
    const login = await registerAndLogin(stack.gatewayUrl, 'sid-logout');
    const refreshed = await refresh(login.refresh_token);
    const other = await post(stack.gatewayUrl, '/auth/login', { username: 'sid-logout', password: 'correct horse battery staple' });
    const session = [login.access_token, refreshed.body.access_token];
    for (const token of [...session, other.body.access_token]) expect((await notesAt(stack.gatewayUrl, token)).status).toBe(200);

    // No refresh token in the body: the sid alone ends the session (the family too).
    expect((await post(stack.gatewayUrl, '/auth/logout', {}, refreshed.body.access_token)).status).toBe(204);

    await refusedEverywhereWithinASecond(session);
    expect((await get(stack.gatewayUrl, '/auth/me', login.access_token)).status).toBe(401);
    expect((await refresh(refreshed.body.refresh_token)).status).toBe(401);
    expect((await notesAt(stack.gatewayUrl, other.body.access_token)).status).toBe(200);
    expect((await notesAt(stack.notes.url, other.body.access_token)).status).toBe(200);
  });

  it('when a refresh token is revoked at /oauth/revoke, then the access tokens of its session are refused too (RFC 7009 §2.1)', async () => {
    const login = await registerAndLogin(stack.gatewayUrl, 'sid-revoke');
    expect((await notesAt(stack.gatewayUrl, login.access_token)).status).toBe(200);
    const revoked = await postForm(stack.gatewayUrl, '/oauth/revoke', { token: login.refresh_token, token_type_hint: 'refresh_token', client_id: 'first-party' });
    expect(revoked.status).toBe(200);
    await refusedEverywhereWithinASecond([login.access_token]);
  });
});
