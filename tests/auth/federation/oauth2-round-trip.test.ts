import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { AppBrowser } from '../../e2e/support/app-browser.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from '../support/auth-harness.js';
import { RECENT_SIGN_IN_SECONDS } from '../../../services/auth/domain/accounts/recent-sign-in.js';
import { registerAndLogin, request } from '../support/http-client.js';
import { startOAuth2Upstream, type OAuth2Person, type OAuth2Upstream } from './support/oauth2-upstream.js';

const ADMIN_TOKEN = 'oauth2-round-trip-admin-token-0123456789ab';
const CLIENT_SECRET = 'octo-client-secret-0123456789';
const OCTOCAT: OAuth2Person = { id: 583231, login: 'octocat', email: 'octocat@example.com' };

/**
 * A round trip through a plain OAuth 2.0 provider of GitHub's kind (no discovery, no ID token, a
 * userinfo URL, `token_type: bearer`), a real HTTP server checking the client secret and the PKCE
 * verifier, driven over HTTP with manual redirects and a cookie jar as a browser would.
 */
describe('federation: a plain OAuth 2.0 provider (GitHub kind) signs people in, and its refusals are refused', () => {
  let auth: IssuerTestAuth;
  let upstream: OAuth2Upstream;
  let dir: string;
  const users = new MemoryUserStore();

  beforeAll(async () => {
    upstream = await startOAuth2Upstream({ clientId: 'authgate-octo', clientSecret: CLIENT_SECRET });
    dir = await mkdtemp(path.join(tmpdir(), 'federation-oauth2-'));
    const file = path.join(dir, 'providers.json');
    const octo = (id: string, secretVar: string) => ({
      id,
      type: 'oauth2',
      name: id === 'octo' ? 'Octo' : 'Octo (wrong secret)',
      issuer: upstream.base,
      authorization_endpoint: `${upstream.base}/login/oauth/authorize`,
      token_endpoint: `${upstream.base}/login/oauth/access_token`,
      userinfo_endpoint: `${upstream.base}/user`,
      client_id: 'authgate-octo',
      client_secret: `\${${secretVar}}`,
      scopes: ['read:user', 'user:email'],
      claims: { subject: 'id', username: 'login' },
    });
    await writeFile(file, JSON.stringify([octo('octo', 'OCTO_SECRET'), octo('octo-wrong', 'OCTO_WRONG_SECRET')]));
    auth = await startTestAuthAsIssuer({
      users,
      env: {
        AUTH_IDENTITY_PROVIDERS_FILE: file,
        OCTO_SECRET: CLIENT_SECRET,
        OCTO_WRONG_SECRET: 'not-the-secret',
        AUTH_ADMIN_TOKEN: ADMIN_TOKEN,
        AUTH_IDENTITY_PROVIDER_TIMEOUT_SECONDS: '3',
        COOKIE_SECURE: 'false',
      },
    });
  });
  afterAll(async () => {
    await auth?.stop();
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Start at authgate, the provider's redirect back: the callback URL, not yet opened. */
  async function toCallback(browser: AppBrowser, provider = 'octo') {
    const start = await browser.open(`${auth.issuer}/auth/federation/${provider}/start?return_to=%2Faccount%2Fdone`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${upstream.base}/login/oauth/authorize`);
    // Plain OAuth 2.0: no nonce, no openid scope; PKCE and state always.
    expect(authorize.searchParams.get('nonce')).toBeNull();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const atUpstream = await browser.open(authorize);
    expect(atUpstream.status).toBe(302);
    return new URL(atUpstream.headers.get('location')!);
  }

  async function signIn(person: OAuth2Person) {
    upstream.next(person);
    const browser = new AppBrowser(auth.issuer);
    const answer = await browser.open(await toCallback(browser));
    return { browser, answer };
  }

  const accessTokenOf = (res: Response) => /^access_token=([^;]+)/.exec(res.headers.getSetCookie().find((line) => line.startsWith('access_token=')) ?? '')?.[1];
  const noSessionCookie = (res: Response) => expect(res.headers.getSetCookie().filter((line) => /^(auth_session|access_token|refresh_token)=/.test(line))).toEqual([]);
  const federationAudit = async () => {
    const res = await request(auth.url, 'GET', '/admin/audit-events?limit=1000', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    // Newest first on the wire: oldest first here, in the order the tests ran.
    return (res.body.events as Array<Record<string, unknown>>).filter((line) => String(line.event).startsWith('federation.')).reverse();
  };

  it('when a person signs in for the first time, then an account is made from the userinfo (numeric id as subject, login as username) and signed in', async () => {
    const { answer } = await signIn(OCTOCAT);
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/account/done');
    const token = accessTokenOf(answer);
    expect(token).toBeTruthy();
    const me = await request(auth.url, 'GET', '/auth/account', { token: token! });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'octocat' });
    const identities = await request(auth.url, 'GET', '/auth/account/identities', { token: token! });
    expect(identities.body.identities).toEqual([expect.objectContaining({ provider: 'octo', issuer: upstream.base, subject: '583231', label: 'octocat' })]);
    expect(upstream.refusals).toEqual([]);
  });

  it('when the same person signs in again, even under a new login name, then the same account is found, not a second one', async () => {
    const first = (await users.findByUsername('octocat'))!;
    const { answer } = await signIn({ ...OCTOCAT, login: 'octocat-renamed' });
    expect(answer.status).toBe(302);
    const me = await request(auth.url, 'GET', '/auth/account', { token: accessTokenOf(answer)! });
    expect(me.body).toMatchObject({ sub: first.id, username: 'octocat' });
    expect(await users.findByUsername('octocat-renamed')).toBeNull();
  });

  it('when the callback carries a wrong state, or the right state in another browser, then a 400 page and no session', async () => {
    upstream.next(OCTOCAT);
    const browser = new AppBrowser(auth.issuer);
    const callback = await toCallback(browser);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'A'.repeat(43));
    const wrong = await browser.open(forged);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('expired, was already used or was started in another browser');
    noSessionCookie(wrong);
    // Login CSRF: an attacker's own callback opened in the victim's browser.
    const elsewhere = await new AppBrowser(auth.issuer).open(callback);
    expect(elsewhere.status).toBe(400);
    noSessionCookie(elsewhere);
  });

  it("when an attacker's code is injected into the victim's callback (its state), then the provider's PKCE check fails and nothing signs in", async () => {
    upstream.next({ id: 666, login: 'mallory', email: null });
    const attacker = new AppBrowser(auth.issuer);
    const attackersCallback = await toCallback(attacker);
    upstream.next(OCTOCAT);
    const victim = new AppBrowser(auth.issuer);
    const victimsCallback = await toCallback(victim);
    victimsCallback.searchParams.set('code', attackersCallback.searchParams.get('code')!);
    const answer = await victim.open(victimsCallback);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('The answer of Octo failed its checks.');
    noSessionCookie(answer);
    expect(upstream.refusals.at(-1)).toBe('code_verifier');
    expect(await users.findByUsername('mallory')).toBeNull();
  });

  it('when the provider answers with an error (the person said no), or refuses our client secret, then a page says so and no account is made', async () => {
    upstream.next({ id: 777, login: 'refuser', email: null }, { refuse: true });
    const browser = new AppBrowser(auth.issuer);
    const denied = await browser.open(await toCallback(browser));
    expect(denied.status).toBe(400);
    expect(await denied.text()).toContain('Octo did not sign you in');
    noSessionCookie(denied);

    upstream.next({ id: 778, login: 'wrong-secret', email: null });
    const other = new AppBrowser(auth.issuer);
    const refused = await other.open(await toCallback(other, 'octo-wrong'));
    expect(refused.status).toBe(400);
    expect(upstream.refusals.at(-1)).toBe('client secret');
    noSessionCookie(refused);
    expect(await users.findByUsername('refuser')).toBeNull();
    expect(await users.findByUsername('wrong-secret')).toBeNull();
  });

  it('when the signed-in owner links a second identity of the provider and removes it again, then both are in the audit trail', async () => {
    const { answer } = await signIn(OCTOCAT);
    const token = accessTokenOf(answer)!;
    upstream.next({ id: 4242, login: 'octocat-work', email: null });
    const browser = new AppBrowser(auth.issuer);
    const link = await request(auth.url, 'POST', '/auth/account/identities', { token, json: { provider: 'octo', return_to: '/account/done' } });
    expect(link.status).toBe(200);
    // The pending link is bound to the browser that opens the URL: it takes the cookie from the answer.
    browser.jar.store(link.headers, '/auth/federation');
    const atUpstream = await browser.open(link.body.authorization_url as string);
    expect((await browser.open(atUpstream.headers.get('location')!)).status).toBe(302);
    const listed = (await request(auth.url, 'GET', '/auth/account/identities', { token })).body.identities as Array<{ id: string; subject: string }>;
    expect(listed.map((identity) => identity.subject).sort()).toEqual(['4242', '583231']);
    const work = listed.find((identity) => identity.subject === '4242')!;
    expect((await request(auth.url, 'DELETE', `/auth/account/identities/${work.id}`, { token })).status).toBe(204);
  });

  it('when all of the above ran, then the audit trail has each sign-in (created or found) and each refused callback with its reason, and never a code or token', async () => {
    const octocat = (await users.findByUsername('octocat'))!;
    const audit = await federationAudit();
    const signIns = audit.filter((line) => line.event === 'federation.signed_in');
    expect(signIns.map(({ provider_id, user_id, created }) => ({ provider_id, user_id, created }))).toEqual([
      { provider_id: 'octo', user_id: octocat.id, created: true },
      { provider_id: 'octo', user_id: octocat.id, created: false },
      { provider_id: 'octo', user_id: octocat.id, created: false },
    ]);
    const links = audit.filter((line) => /^federation\.(un)?linked$/.test(String(line.event))).map(({ event, provider_id, user_id }) => ({ event, provider_id, user_id }));
    expect(links).toEqual([
      { event: 'federation.linked', provider_id: 'octo', user_id: octocat.id },
      { event: 'federation.unlinked', provider_id: 'octo', user_id: octocat.id },
    ]);
    expect(signIns.every((line) => line.client_ip === '127.0.0.1')).toBe(true);
    const refused = audit.filter((line) => line.event === 'federation.callback_refused').map(({ provider_id, reason, level, client_ip }) => ({ provider_id, reason, level, client_ip }));
    expect(refused).toEqual([
      { provider_id: 'octo', reason: 'state', level: 'warn', client_ip: '127.0.0.1' },
      { provider_id: 'octo', reason: 'state', level: 'warn', client_ip: '127.0.0.1' },
      { provider_id: 'octo', reason: 'upstream_invalid', level: 'warn', client_ip: '127.0.0.1' },
      { provider_id: 'octo', reason: 'upstream_refused', level: 'warn', client_ip: '127.0.0.1' },
      { provider_id: 'octo-wrong', reason: 'upstream_invalid', level: 'warn', client_ip: '127.0.0.1' },
    ]);
    const trail = JSON.stringify(audit);
    for (const secret of upstream.issued) expect(trail).not.toContain(secret);
    expect(trail).not.toContain(CLIENT_SECRET);
  });

  describe('DELETE /auth/account of an account without a password (made by a federated sign-in)', () => {
    const LEAVER: OAuth2Person = { id: 9001, login: 'leaver', email: null };
    const deleteAccount = (token: string, json: object = {}) => request(auth.url, 'DELETE', '/auth/account', { token, json });

    it('when its session signed in longer ago than the window (a stolen or forgotten token), then 401 insufficient_user_authentication with max_age, a password does not stand in, and the account stays', async () => {
      const token = accessTokenOf((await signIn(LEAVER)).answer)!;
      auth.clock.advance((RECENT_SIGN_IN_SECONDS + 1) * 1000);
      for (const body of [{}, { password: 'a guess at a password it never had' }]) {
        const res = await deleteAccount(token, body);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: 'insufficient_user_authentication', error_description: 'this resource needs a more recent sign-in' });
        // RFC 9470 §3: the challenge says how recent.
        expect(res.headers.get('www-authenticate')).toContain(`error="insufficient_user_authentication"`);
        expect(res.headers.get('www-authenticate')).toContain(`max_age="${RECENT_SIGN_IN_SECONDS}"`);
      }
      expect(await users.findByUsername('leaver')).not.toBeNull();
    });

    it('when the person has just signed in again through the provider, then that session deletes it: account, link and sessions gone, and the trail says so', async () => {
      const leaver = (await users.findByUsername('leaver'))!;
      const token = accessTokenOf((await signIn(LEAVER)).answer)!;
      expect((await deleteAccount(token)).status).toBe(204);
      expect(await users.findById(leaver.id)).toBeNull();
      expect((await request(auth.url, 'GET', '/auth/account', { token })).status).toBe(401);
      // The link went with it: the same upstream person now gets a new account.
      const again = accessTokenOf((await signIn(LEAVER)).answer)!;
      expect((await request(auth.url, 'GET', '/auth/account', { token: again })).body.sub).not.toBe(leaver.id);
      const audit = (await request(auth.url, 'GET', '/admin/audit-events?limit=1000', { token: ADMIN_TOKEN })).body.events as Array<Record<string, unknown>>;
      expect(audit).toContainEqual(expect.objectContaining({ event: 'account.deleted', user_id: leaver.id }));
    });

    it('when an account with a password leaves the password out, then 400 naming password (the recent sign-in rule is only for accounts without one)', async () => {
      const { access_token: token } = await registerAndLogin(auth.url, 'has-a-password');
      const res = await deleteAccount(token);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', error_description: 'password: required' });
      expect(await users.findByUsername('has-a-password')).not.toBeNull();
    });
  });
});
