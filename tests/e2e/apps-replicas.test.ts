import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { postForm } from '../auth/support/oauth-client.js';
import { deleteKeysWithPrefix } from '../auth/adapters/redis-test-fixture.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';
import { AppBrowser, formFields } from './support/app-browser.js';

const REDIRECT = 'http://localhost:5173/callback';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/**
 * Two auth replicas sharing Redis (REDIS_URL configured, so the composition root puts the app
 * flow there), users, clients and the signing key file: a code issued by one is redeemed by the
 * other exactly once, and one's login session signs the browser in at the other.
 */
describe.runIf(HAS_REDIS)('apps across two auth replicas sharing Redis', () => {
  const prefix = uniqueRedisPrefix('apps-replicas');
  const users = new MemoryUserStore();
  const clients = new MemoryClientStore();
  let a: TestAuth;
  let b: TestAuth;

  beforeAll(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, AUTH_ISSUER: 'http://localhost:4000' };
    const tokens = () => new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: prefix });
    a = await startTestAuth({ env, users, clients, tokens });
    b = await startTestAuth({ env, users, clients, tokens, dataDir: a.dataDir });
    await clients.create({
      clientId: 'spa', tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile'],
      audiences: [], redirectUris: [REDIRECT], firstParty: true,
    });
    expect((await post(a.url, '/auth/register', { username: 'rita', password: PASSWORD })).status).toBe(201);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    const admin = new Redis(TEST_REDIS_URL);
    await deleteKeysWithPrefix(admin, prefix);
    await admin.quit();
  });

  const authorizeAt = (base: string, state: string) =>
    new URL(`${base}/oauth/authorize?${new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', code_challenge: CHALLENGE, code_challenge_method: 'S256', state })}`);
  const redeemAt = (base: string, code: string) =>
    postForm(base, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: 'spa' });
  const codeOf = (answer: Response) => new URL(answer.headers.get('location') ?? 'x:').searchParams.get('code');

  it('when replica A signs the user in, then B redeems the code once, A refuses the replay, and B signs the browser in without a password', async () => {
    const browser = new AppBrowser(a.url);
    const answer = await browser.signIn(authorizeAt(a.url, 's1'), 'rita', PASSWORD);
    expect(answer.status).toBe(303);
    const code = codeOf(answer)!;

    const redeemed = await redeemAt(b.url, code);
    expect(redeemed.status).toBe(200);
    const replay = await redeemAt(a.url, code);
    expect({ status: replay.status, error: replay.body.error }).toEqual({ status: 400, error: 'invalid_grant' });

    // Single sign-on across replicas: B knows A's login session.
    const again = await browser.open(authorizeAt(b.url, 's2'));
    expect(again.status).toBe(302);
    expect(codeOf(again)).toBeTruthy();
  });

  it('when both replicas race for one code, then exactly one redemption succeeds', async () => {
    const browser = new AppBrowser(a.url);
    const code = codeOf(await browser.signIn(authorizeAt(a.url, 's3'), 'rita', PASSWORD))!;
    const answers = await Promise.all(Array.from({ length: 6 }, (_x, i) => redeemAt(i % 2 ? b.url : a.url, code)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
  });

  it('when the user logs out at B, then A no longer knows the login session', async () => {
    const browser = new AppBrowser(a.url);
    await browser.signIn(authorizeAt(a.url, 's4'), 'rita', PASSWORD);
    // The same browser at B (cookies are per host here): no id_token_hint, so B asks, and its form logs out.
    const atB = new AppBrowser(b.url);
    atB.jar.put('auth_session', browser.jar.get('auth_session')!, '/oauth');
    const confirm = await atB.open(`${b.url}/oauth/logout`);
    expect(confirm.status).toBe(200);
    expect((await atB.post('/oauth/logout', formFields(await confirm.text()))).status).toBe(200);
    const after = await browser.open(authorizeAt(a.url, 's5'));
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('name="password"');
  });
});
