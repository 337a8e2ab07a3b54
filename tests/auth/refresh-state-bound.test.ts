import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedTokenStore } from '../../services/auth/adapters/embedded/embedded-token-store.js';
import { MemoryTokenStore } from '../../services/auth/adapters/memory/memory-token-store.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import type { TokenStore } from '../../services/auth/domain/tokens/token-store.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';
import { deleteKeysWithPrefix, footprintUnder } from './adapters/redis-test-fixture.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { get, post, registerAndLogin, type TokenPairBody } from './support/http-client.js';

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** What a store holds for refresh state: entries (memory) or keys (Redis), and bytes where the store can say. */
interface Footprint {
  entries: number;
  bytes: number;
}

interface Mode {
  name: string;
  enabled: boolean;
  open(): Promise<{ store: TokenStore; footprint(): Promise<Footprint>; cleanup(): Promise<void> }>;
}

const modes: Mode[] = [
  {
    name: 'memory',
    enabled: true,
    open: async () => {
      const store = new MemoryTokenStore();
      return { store, footprint: async () => ({ entries: store.refreshEntryCount(), bytes: 0 }), cleanup: async () => {} };
    },
  },
  {
    name: 'embedded',
    enabled: true,
    open: async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'refresh-bound-'));
      const store = await openEmbeddedTokenStore(dir);
      return { store, footprint: async () => ({ entries: store.refreshEntryCount(), bytes: 0 }), cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'redis',
    enabled: HAS_REDIS,
    open: async () => {
      const prefix = uniqueRedisPrefix('refresh-bound');
      const admin = new Redis(TEST_REDIS_URL);
      const store = new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix: prefix });
      return {
        store,
        // Every key under the suite's prefix and its MEMORY USAGE (the accounts of this file only).
        footprint: () => footprintUnder(admin, prefix),
        cleanup: async () => {
          await deleteKeysWithPrefix(admin, prefix);
          await admin.quit();
        },
      };
    },
  },
];

for (const mode of modes) {
  describe.runIf(mode.enabled)(`refresh state per family on the ${mode.name} token store (issue 22, point 3)`, () => {
    let auth: TestAuth;
    let opened: Awaited<ReturnType<Mode['open']>>;
    beforeAll(async () => {
      opened = await mode.open();
      auth = await startTestAuth({ tokens: opened.store, env: { REFRESH_REUSE_GRACE_SECONDS: '5' } });
    });
    afterAll(async () => {
      await auth?.stop();
      await opened?.cleanup();
    });

    const refresh = (token: string) => post<TokenPairBody & { error?: string; error_code?: string }>(auth.url, '/auth/refresh', { refresh_token: token });

    /** Refreshes `count` times in a row; returns every refresh token of the chain, oldest first. */
    async function chain(start: string, count: number): Promise<string[]> {
      const tokens = [start];
      for (let i = 0; i < count; i++) {
        const res = await refresh(tokens[tokens.length - 1]!);
        expect(res.status).toBe(200);
        tokens.push(res.body.refresh_token);
      }
      return tokens;
    }

    it('when one account refreshes 60 times, then the store holds no more refresh state than after 5', async () => {
      const login = await registerAndLogin(auth.url, `loop-${mode.name}`);
      const early = await chain(login.refresh_token, 5);
      const afterFive = await opened.footprint();
      await chain(early[early.length - 1]!, 55);
      const afterSixty = await opened.footprint();

      expect(afterSixty.entries).toBe(afterFive.entries);
      // Redis: the family hash holds numbers of one width and hashes of one length; allow a little slack for encoding.
      expect(afterSixty.bytes).toBeLessThanOrEqual(afterFive.bytes + 64);
    });

    it('when a token spent 40 refreshes ago is presented, then it is reuse: 401 invalid_grant and the live token dies too', async () => {
      const login = await registerAndLogin(auth.url, `farback-${mode.name}`);
      const tokens = await chain(login.refresh_token, 40);

      const replay = await refresh(tokens[0]!);
      expect(replay.status).toBe(401);
      expect(replay.body.error).toBe('invalid_grant');
      const live = await refresh(tokens[40]!);
      expect(live.status).toBe(401);
    });

    it('when a spent token is retried within the grace window after a long chain, then it gets the same successor', async () => {
      const login = await registerAndLogin(auth.url, `grace-${mode.name}`);
      const tokens = await chain(login.refresh_token, 20);

      const retry = await refresh(tokens[19]!);
      expect(retry.status).toBe(200);
      expect(retry.body.refresh_token).toBe(tokens[20]);
      expect((await get(auth.url, '/auth/me', retry.body.access_token)).status).toBe(200);
      expect((await refresh(tokens[20]!)).status).toBe(200);
    });

    it('when 8 refreshes of the current token race after a long chain, then one successor wins and it goes on working', async () => {
      const login = await registerAndLogin(auth.url, `race-${mode.name}`);
      const tokens = await chain(login.refresh_token, 20);

      const results = await Promise.all(Array.from({ length: 8 }, () => refresh(tokens[20]!)));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      const successors = new Set(results.map((r) => r.body.refresh_token));
      expect(successors.size).toBe(1);
      expect((await refresh([...successors][0]!)).status).toBe(200);
    });

    it('when an attacker knows the session id (sid) but holds none of its refresh tokens, then no token they make touches the family', async () => {
      const login = await registerAndLogin(auth.url, `sid-only-${mode.name}`);
      const sid = String(payloadOf(login.access_token).sid);
      const secret = 'A'.repeat(43);
      const sidBytes = Buffer.from(sid.replaceAll('-', ''), 'hex');
      const attempts = [
        `${sidBytes.toString('base64url')}.${secret}`,
        `${Buffer.from(sid).subarray(0, 16).toString('base64url')}.${secret}`,
        `${'B'.repeat(22)}.${secret}`,
        `${sid}.${secret}`,
      ];
      for (const token of attempts) {
        const res = await refresh(token);
        expect({ token, status: res.status, error: res.body.error }).toEqual({ token, status: 401, error: 'invalid_grant' });
      }
      expect((await refresh(login.refresh_token)).status).toBe(200);
    });

    it('when a holder of a spent token alters its secret part, then it still counts as reuse and the family ends', async () => {
      const login = await registerAndLogin(auth.url, `altered-${mode.name}`);
      const [spent, current] = await chain(login.refresh_token, 1);
      const [tag] = spent!.split('.');

      expect((await refresh(`${tag}.${'Z'.repeat(43)}`)).status).toBe(401);
      expect((await refresh(current!)).status).toBe(401);
    });
  });
}
