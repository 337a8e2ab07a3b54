import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppBrowser } from '../../e2e/support/app-browser.js';
import { APP_REDIRECT, appLogout, signInToApp } from '../../e2e/support/app-sign-in.js';
import { pollUntil } from '../contracts/poll.js';
import { get, PASSWORD, post } from '../support/http-client.js';
import { postForm } from '../support/oauth-client.js';
import { backchannelAuthPerTest, newUser, registerApp, type BackchannelAuth } from './backchannel-harness.js';

const auth = backchannelAuthPerTest();

/** What /readyz says of the back-channel queue: deliveries waiting and given up. */
async function queue(service: BackchannelAuth): Promise<{ queued: number; dead: number }> {
  const body = (await get<{ details: Record<string, { queued: number; dead: number }> }>(service.url, '/readyz')).body;
  return body.details['backchannel-logout']!;
}

/** One user signed in to `apps` in one browser (single sign-on); the first app's sign-in is returned for its logout. */
async function signInToAll(service: BackchannelAuth, apps: Array<{ id: string; scope?: string }>) {
  await newUser(service, 'kim');
  const browser = new AppBrowser(service.url);
  const signIns = [];
  for (const app of apps) signIns.push(await signInToApp(service.url, app.id, 'kim', PASSWORD, undefined, { browser, ...(app.scope ? { scope: app.scope } : {}) }));
  return signIns;
}

describe('back-channel logout delivery', () => {
  it('when the app is down as the session ends, then the logout answers at once, each failure is logged and counted without the token, and the token arrives once the app is back', async () => {
    const service = await auth();
    await registerApp(service, 'notes');
    const [notes] = await signInToAll(service, [{ id: 'notes' }]);
    await service.receiver.down();

    const started = Date.now();
    expect((await appLogout(service.url, 'notes', notes!)).status).toBe(302);
    expect(Date.now() - started).toBeLessThan(1_000);
    await pollUntil(() => service.sink.lines.filter((line) => line.includes('back-channel logout delivery failed')).length >= 2, { what: 'two failed attempts logged' });
    expect(await queue(service)).toMatchObject({ queued: 1 });

    await service.receiver.up();
    const [received] = await service.receiver.waitFor('notes');
    expect(received!.claims.sid).toBe(decodeJwt(notes!.tokens.id_token).sid);
    await pollUntil(async () => (await queue(service)).queued === 0, { what: 'the queue to empty' });

    const failures = service.sink.lines.filter((line) => line.includes('back-channel logout delivery failed')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failures[0]).toMatchObject({ clientId: 'notes', attempt: 1, code: 'ECONNREFUSED' });
    expect(service.sink.lines.some((line) => line.includes(received!.token.split('.')[2]!))).toBe(false);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/auth_backchannel_logout_deliveries_total\{[^}]*result="retry"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/auth_backchannel_logout_deliveries_total\{[^}]*result="delivered"[^}]*\} 1/);
  });

  it('when the app answers 503 twice, then the delivery is tried again and arrives on the third attempt, the status logged', async () => {
    const service = await auth();
    await registerApp(service, 'notes');
    const [notes] = await signInToAll(service, [{ id: 'notes' }]);
    service.receiver.failNext('notes', 503, 2);

    expect((await appLogout(service.url, 'notes', notes!)).status).toBe(302);
    await service.receiver.waitFor('notes');
    expect(service.receiver.attempts.get('notes')).toBe(3);
    const failures = service.sink.lines.filter((line) => line.includes('back-channel logout delivery failed')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failures.map((line) => [line.attempt, line.status])).toEqual([
      [1, 503],
      [2, 503],
    ]);
  });

  it('when one app hangs, then another app of the same session still gets its token at once, and the hanging one is cut off by the timeout and tried again', async () => {
    const service = await auth({ BACKCHANNEL_LOGOUT_TIMEOUT: '2' });
    await registerApp(service, 'notes');
    await registerApp(service, 'wiki');
    service.receiver.hang('notes');
    const [notes] = await signInToAll(service, [{ id: 'notes' }, { id: 'wiki' }]);

    const started = Date.now();
    expect((await appLogout(service.url, 'notes', notes!)).status).toBe(302);
    expect(Date.now() - started).toBeLessThan(1_000);
    await service.receiver.waitFor('wiki', 1, 1_500);
    await pollUntil(() => service.sink.lines.some((line) => line.includes('back-channel logout delivery failed') && line.includes('ETIMEDOUT')), { what: 'a timed-out attempt', timeoutMs: 6_000 });
    await pollUntil(() => (service.receiver.attempts.get('notes') ?? 0) >= 2, { what: 'a second attempt at the hanging app', timeoutMs: 6_000 });
  });

  it('when the app refreshed its tokens before the logout, then the logout still reaches it, naming the same session', async () => {
    const service = await auth();
    await registerApp(service, 'notes');
    const [notes] = await signInToAll(service, [{ id: 'notes' }]);
    const refreshed = await postForm(service.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: notes!.tokens.refresh_token, client_id: 'notes' });
    expect(refreshed.status).toBe(200);

    expect((await post(service.url, '/auth/logout', {}, String(refreshed.body.access_token))).status).toBe(204);
    const [received] = await service.receiver.waitFor('notes');
    expect(received!.claims.sid).toBe(decodeJwt(notes!.tokens.id_token).sid);
  });

  it('when an authorization code is replayed (RFC 6749 §4.1.2), then what it gave is withdrawn and the app is told by back-channel logout', async () => {
    const service = await auth();
    await registerApp(service, 'notes');
    await newUser(service, 'vic');
    const browser = new AppBrowser(service.url);
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL('/oauth/authorize', service.url);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'notes',
      redirect_uri: APP_REDIRECT,
      scope: 'openid notes:read',
      state: 's',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const code = new URL((await browser.signIn(url, 'vic', PASSWORD)).headers.get('location')!).searchParams.get('code')!;
    const redeem = () => postForm(service.url, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, client_id: 'notes', code_verifier: verifier });
    const first = await redeem();
    expect(first.status).toBe(200);
    expect((await redeem()).status).toBe(400);

    const [received] = await service.receiver.waitFor('notes');
    expect(received!.claims.sid).toBe(decodeJwt(String(first.body.id_token)).sid);
  });

  it('when an app never got an ID token in the session (no openid scope), or registered no back-channel URI, then it gets nothing while the app that did is told', async () => {
    const service = await auth();
    await registerApp(service, 'notes');
    await registerApp(service, 'plain');
    await registerApp(service, 'quiet', { backchannel: false });
    const [notes] = await signInToAll(service, [{ id: 'notes' }, { id: 'plain', scope: 'notes:read' }, { id: 'quiet' }]);

    expect((await appLogout(service.url, 'notes', notes!)).status).toBe(302);
    await service.receiver.waitFor('notes');
    await pollUntil(async () => (await queue(service)).queued === 0, { what: 'the queue to empty' });
    expect(service.receiver.attempts.get('plain')).toBeUndefined();
    expect(service.receiver.attempts.get('quiet')).toBeUndefined();
    expect(await queue(service)).toMatchObject({ queued: 0, dead: 0 });
  });
});
