import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { AppBrowser } from '../../e2e/support/app-browser.js';
import { freePort } from '../../support/free-port.js';
import { LineSink } from '../support/audit-capture.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from '../support/auth-harness.js';
import { PASSWORD, post, request } from '../support/http-client.js';
import { startHostileUpstream, type HostileMode } from './support/hostile-upstream.js';

const TIMEOUT_SECONDS = 1;
const ADMIN_TOKEN = 'federation-bad-input-admin-token-0123456789';

describe('federation: bad input from browsers and upstreams gives a clear page, no account, no session, nothing secret in the log', () => {
  let auth: IssuerTestAuth;
  let upstream: Awaited<ReturnType<typeof startHostileUpstream>>;
  let dir: string;
  const users = new MemoryUserStore();
  const clients = new MemoryClientStore();
  const sink = new LineSink();

  beforeAll(async () => {
    upstream = await startHostileUpstream({ clientId: 'authgate' });
    dir = await mkdtemp(path.join(tmpdir(), 'federation-bad-'));
    const file = path.join(dir, 'providers.json');
    const downPort = await freePort();
    await writeFile(
      file,
      JSON.stringify([
        { id: 'hostile', name: 'Hostile', issuer: upstream.issuer, client_id: 'authgate', client_secret: '${HOSTILE_SECRET}' },
        { id: 'down', name: 'Down', issuer: `http://127.0.0.1:${downPort}`, client_id: 'authgate' },
      ]),
    );
    auth = await startTestAuthAsIssuer({
      users,
      clients,
      logDestination: sink,
      env: { AUTH_IDENTITY_PROVIDERS_FILE: file, HOSTILE_SECRET: 'hostile-client-secret', AUTH_IDENTITY_PROVIDER_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS), COOKIE_SECURE: 'false', AUTH_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    await clients.create({ clientId: 'spa', tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code'], audiences: [], scopes: ['openid'], redirectUris: ['https://spa.example/cb'] });
    // An account with the address the hostile upstream claims: it must never be linked by it.
    await post(auth.url, '/auth/register', { username: 'victim', password: PASSWORD, email: 'victim@example.com' });
  });
  afterAll(async () => {
    await auth?.stop();
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Start, the upstream's immediate answer, then the callback in `callbackBrowser` (default: the same browser). */
  async function roundTrip(mode: HostileMode, { returnTo = '/account/done', callbackBrowser }: { returnTo?: string; callbackBrowser?: AppBrowser } = {}) {
    upstream.behave(mode, mode === 'slow-token' ? 5_000 : 0);
    const browser = new AppBrowser(auth.issuer);
    const start = await browser.open(`${auth.issuer}/auth/federation/hostile/start?${new URLSearchParams({ return_to: returnTo })}`);
    expect(start.status).toBe(302);
    const atUpstream = await browser.open(start.headers.get('location')!);
    const callback = atUpstream.headers.get('location')!;
    const began = Date.now();
    const answer = await (callbackBrowser ?? browser).open(callback);
    return { answer, callback, browser, ms: Date.now() - began, text: await answer.text() };
  }

  const noSessionCookie = (res: Response) => expect(res.headers.getSetCookie().filter((line) => /^(auth_session|access_token|refresh_token)=/.test(line))).toEqual([]);

  it.each([
    ['wrong-issuer', 'an ID token from another issuer'],
    ['mix-up-iss-parameter', 'an authorization response naming another issuer (mix-up)'],
    ['wrong-nonce', 'an ID token with another nonce'],
    ['wrong-audience', 'an ID token for another client'],
    ['unsigned', 'an unsigned ID token (alg none)'],
    ['token-error', 'a token endpoint error'],
  ] as const)('when the upstream sends %s (%s), then a 400 page, no account and no session', async (mode, _what) => {
    const { answer, text } = await roundTrip(mode);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/text\/html/);
    expect(text).toContain('The answer of Hostile failed its checks.');
    noSessionCookie(answer);
    expect(await users.findByUsername('mallory')).toBeNull();
  });

  it('when the upstream answers with an error, then a page says the sign-in was refused, and the callback cannot be replayed', async () => {
    const { answer, text, callback, browser } = await roundTrip('error-response');
    expect(answer.status).toBe(400);
    expect(text).toContain('Hostile did not sign you in');
    const replay = await browser.open(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
  });

  it('when the upstream token endpoint is slow, then the browser gets a 504 page within the configured timeout, not a hang', async () => {
    const { answer, text, ms } = await roundTrip('slow-token');
    expect(answer.status).toBe(504);
    expect(text).toContain('Hostile did not answer in time');
    expect(ms).toBeLessThan(TIMEOUT_SECONDS * 1000 + 1500);
    noSessionCookie(answer);
  });

  it('when the upstream is down, then the start answers a 504 page at once', async () => {
    const began = Date.now();
    const res = await new AppBrowser(auth.issuer).open(`${auth.issuer}/auth/federation/down/start`);
    expect(res.status).toBe(504);
    expect(await res.text()).toContain('Down did not answer in time');
    expect(Date.now() - began).toBeLessThan(TIMEOUT_SECONDS * 1000 + 1500);
  });

  it('when the callback comes without state, with an unknown state, or in another browser than the start, then a 400 page and no session', async () => {
    const browser = new AppBrowser(auth.issuer);
    for (const query of ['code=x', 'code=x&state=forged-state', `code=x&state=${'s'.repeat(5000)}`]) {
      const res = await browser.open(`${auth.issuer}/auth/federation/hostile/callback?${query}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('expired, was already used or was started in another browser');
      noSessionCookie(res);
    }
    // Login CSRF: the attacker starts, then makes the victim's browser open the callback.
    const { answer } = await roundTrip('honest', { callbackBrowser: new AppBrowser(auth.issuer) });
    expect(answer.status).toBe(400);
    noSessionCookie(answer);
    expect(await users.findByUsername('mallory')).toBeNull();
  });

  it('when return_to is another site, then the start refuses it; our pages and registered redirect URIs are accepted', async () => {
    const start = (returnTo: string) => new AppBrowser(auth.issuer).open(`${auth.issuer}/auth/federation/hostile/start?${new URLSearchParams({ return_to: returnTo })}`);
    for (const evil of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', 'https://spa.example/cb/../other']) {
      const res = await start(evil);
      expect(res.status, evil).toBe(400);
      expect(await res.text()).toContain('return_to');
    }
    for (const fine of ['/oauth/authorize?client_id=spa', `${auth.issuer}/account/done`, 'https://spa.example/cb']) {
      expect((await start(fine)).status, fine).toBe(302);
    }
    expect((await new AppBrowser(auth.issuer).open(`${auth.issuer}/auth/federation/nobody/start`)).status).toBe(404);
  });

  it('when an honest round trip ends, then the account is made for the upstream subject and not linked to the account with the same e-mail', async () => {
    const { answer } = await roundTrip('honest');
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/account/done');
    // Back to a page (not an authorization request): the login session and the browser-session cookies.
    const cookies = answer.headers.getSetCookie().map((line) => line.split('=')[0]);
    expect(cookies).toEqual(expect.arrayContaining(['auth_session', 'access_token', 'refresh_token', 'csrf_token']));
    const mallory = await users.findByUsername('mallory');
    expect(mallory).toMatchObject({ email: 'victim@example.com', emailVerified: false });
    expect(mallory!.id).not.toBe((await users.findByUsername('victim'))!.id);
  });

  it('when all of the above ran, then the audit trail has each refused callback with its closed reason, the one sign-in as created, and no unknown provider', async () => {
    const res = await request(auth.url, 'GET', '/admin/audit-events?limit=1000', { token: ADMIN_TOKEN });
    const lines = (res.body.events as Array<Record<string, unknown>>).filter((line) => String(line.event).startsWith('federation.'));
    const reasons = lines.filter((line) => line.event === 'federation.callback_refused').map((line) => line.reason);
    expect(new Set(reasons)).toEqual(new Set(['upstream_invalid', 'upstream_refused', 'upstream_unreachable', 'state']));
    // Six bad answers, one error answer and its replay, one slow, three bad states and one login CSRF.
    expect(reasons.filter((reason) => reason === 'upstream_invalid')).toHaveLength(6);
    expect(reasons.filter((reason) => reason === 'state')).toHaveLength(5);
    const mallory = (await users.findByUsername('mallory'))!;
    expect(lines.filter((line) => line.event === 'federation.signed_in')).toEqual([expect.objectContaining({ provider_id: 'hostile', user_id: mallory.id, created: true })]);
    expect(lines.every((line) => line.provider_id === 'hostile')).toBe(true);
    const trail = JSON.stringify(lines);
    for (const secret of upstream.issued) expect(trail).not.toContain(secret);
  });

  it('when all of the above ran, then no log line holds a code, an ID token or an access token of the upstream', () => {
    expect(upstream.issued.length).toBeGreaterThan(5);
    const log = sink.lines.join('\n');
    for (const secret of upstream.issued) expect(log).not.toContain(secret);
    expect(log).not.toContain('hostile-client-secret');
  });
});
