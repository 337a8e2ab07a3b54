import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedTokenStore } from '../../services/auth/adapters/embedded/embedded-token-store.js';
import { MemoryAppSessionStore } from '../../services/auth/adapters/memory/memory-app-sessions.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { RedisAppSessionStore } from '../../services/auth/adapters/redis/redis-app-sessions.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import type { AppSessionStore } from '../../services/auth/domain/app-flow/app-sessions.js';
import type { TokenStore } from '../../services/auth/domain/tokens/token-store.js';
import { AppBrowser } from '../e2e/support/app-browser.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';
import { deleteKeysWithPrefix } from './adapters/redis-test-fixture.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import type { TestClock } from './support/clock.js';
import { PASSWORD, get, post } from './support/http-client.js';
import { postForm } from './support/oauth-client.js';
import { RecordAfterTakes } from './support/record-after-takes.js';

const APP = 'race-app';
const REDIRECT = 'https://app.example/cb';
const PARALLEL = 12;
const ROUNDS = 5;

interface Mode {
  name: string;
  enabled: boolean;
  /** The stores of this mode as the composition root picks them; the app sessions built on the harness's clock. */
  open(dataDir: string): Promise<{ tokens: TokenStore; appSessions: (clock: TestClock) => AppSessionStore; env: Record<string, string>; cleanup(): Promise<void> }>;
}

const modes: Mode[] = [
  {
    name: 'embedded (no Redis)',
    enabled: true,
    open: async (dataDir) => ({
      tokens: await openEmbeddedTokenStore(dataDir),
      appSessions: (clock) => new MemoryAppSessionStore({ now: clock.now }),
      env: {},
      cleanup: async () => {},
    }),
  },
  {
    name: 'Redis',
    enabled: HAS_REDIS,
    open: async () => {
      const keyPrefix = uniqueRedisPrefix('code-replay-race');
      return {
        tokens: new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix }),
        appSessions: (clock) => new RedisAppSessionStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix, now: clock.now }),
        env: { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix },
        cleanup: async () => {
          const admin = new Redis(TEST_REDIS_URL);
          await deleteKeysWithPrefix(admin, keyPrefix);
          await admin.quit();
        },
      };
    },
  },
];

describe.each(modes.filter((mode) => mode.enabled))('authorization code redeemed concurrently ($name)', (mode) => {
  let auth: TestAuth;
  let appSessions: RecordAfterTakes;
  let cleanup = async () => {};
  const clients = new MemoryClientStore();

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'code-race-'));
    const opened = await mode.open(dataDir);
    cleanup = async () => {
      await opened.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    };
    auth = await startTestAuth({
      clients,
      dataDir,
      env: opened.env,
      tokens: opened.tokens,
      appSessions: (clock) => (appSessions = new RecordAfterTakes(opened.appSessions(clock))),
    });
    await clients.create({
      clientId: APP, tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid'],
      audiences: [], redirectUris: [REDIRECT], firstParty: true,
    });
    expect((await post(auth.url, '/auth/register', { username: 'rosa', password: PASSWORD })).status).toBe(201);
  });
  afterAll(async () => {
    await auth?.stop();
    await cleanup();
  });

  async function codeFor(verifier: string): Promise<string> {
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = { client_id: APP, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', state: 's' };
    const res = await new AppBrowser(auth.url).signIn(new URL(`${auth.url}/oauth/authorize?${new URLSearchParams(params)}`), 'rosa', PASSWORD);
    const code = new URL(res.headers.get('location')!).searchParams.get('code');
    expect(code).toBeTruthy();
    return code!;
  }

  /** One round: PARALLEL redemptions of one code, then what the winner's tokens are still worth. */
  async function round() {
    const verifier = randomBytes(32).toString('base64url');
    const code = await codeFor(verifier);
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () => postForm(auth.url, '/oauth/token', { grant_type: 'authorization_code', client_id: APP, redirect_uri: REDIRECT, code, code_verifier: verifier })),
    );
    const winners = answers.filter((answer) => answer.status === 200);
    const losers = answers.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${answer.body?.error}`);
    const winner = winners[0]?.body;
    const me = winner ? (await get(auth.url, '/auth/me', winner.access_token)).status : null;
    const refresh = winner ? await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', client_id: APP, refresh_token: winner.refresh_token }) : null;
    return { winners: winners.length, losers, me, refresh: refresh && `${refresh.status} ${refresh.body?.error}` };
  }

  const revokedEveryRound = { winners: 1, losers: Array(PARALLEL - 1).fill('400 invalid_grant'), me: 401, refresh: '400 invalid_grant' };

  it(`when ${PARALLEL} clients redeem one code at once, ${ROUNDS} rounds, then one wins each round and its access and refresh tokens are refused`, async () => {
    appSessions.takes = 1;
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
    expect(rounds).toEqual(Array(ROUNDS).fill(revokedEveryRound));
  });

  it('when every replay reaches takeCode before the first redemption records what it issued, then the winner\'s tokens are refused all the same', async () => {
    // The race's worst case, in every round: the winner's record waits until all replays have taken the code.
    appSessions.takes = PARALLEL;
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
    expect(rounds).toEqual(Array(ROUNDS).fill(revokedEveryRound));
  });
});
