import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../lib/revocation/redis-keys.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import { pollUntil } from '../auth/contracts/poll.js';
import { deleteKeysWithPrefix } from '../auth/adapters/redis-test-fixture.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';

const newJti = () => `jti-${randomBytes(8).toString('hex')}`;
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

describe.runIf(HAS_REDIS)('createRedisRevocationList', () => {
  const keyPrefix = uniqueRedisPrefix('revocation-list');
  const connectionName = `test-revocations-${randomBytes(4).toString('hex')}`;
  let admin: Redis;
  let tokens: RedisTokenStore;
  const lists: RevocationList[] = [];

  const openList = () => {
    const list = createRedisRevocationList({ url: TEST_REDIS_URL, keyPrefix, connectionName });
    lists.push(list);
    return list;
  };

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL);
    tokens = new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix });
  });
  afterEach(async () => {
    await Promise.all(lists.splice(0).map((list) => list.close()));
  });
  afterAll(async () => {
    await tokens.close();
    await deleteKeysWithPrefix(admin, keyPrefix);
    await admin.quit();
  });

  it('when the auth service denies a token, then isRevoked turns true within one second', async () => {
    const list = openList();
    await list.ready();
    const jti = newJti();
    expect(list.isRevoked(jti)).toBe(false);

    await tokens.denyAccessToken(jti, inSeconds(600));

    await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, intervalMs: 10, what: 'the revocation to arrive' });
  });

  it('when the auth service denies a session, then isSessionRevoked turns true within one second on the same feed, and isRevoked of that id stays false', async () => {
    const list = openList();
    await list.ready();
    const sid = newJti();
    expect(list.isSessionRevoked(sid)).toBe(false);

    await tokens.denySession(sid, inSeconds(600));

    await pollUntil(() => list.isSessionRevoked(sid), { timeoutMs: 1_000, intervalMs: 10, what: 'the session revocation to arrive' });
    expect(list.isRevoked(sid)).toBe(false);
    const late = openList();
    await late.ready();
    expect(late.isSessionRevoked(sid)).toBe(true);
  });

  it('when tokens were denied before the list started, then the snapshot knows them once ready', async () => {
    const jti = newJti();
    await tokens.denyAccessToken(jti, inSeconds(600));

    const list = openList();
    await list.ready();

    expect(list.isRevoked(jti)).toBe(true);
    expect(list.isRevoked(newJti())).toBe(false);
  });

  it('when a revoked token reaches its exp, then isRevoked turns false', async () => {
    const list = openList();
    await list.ready();
    const jti = newJti();
    await tokens.denyAccessToken(jti, inSeconds(1));
    await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, what: 'the revocation to arrive' });

    await pollUntil(() => !list.isRevoked(jti), { timeoutMs: 3_000, what: 'the revocation to expire' });
  });

  it('when the feed connection drops, then it reloads the snapshot on reconnect and sees denials it missed', async () => {
    const list = openList();
    await list.ready();
    const missed = newJti();
    // Written without a publish: only a snapshot reload can reveal it.
    await admin.zadd(redisKeys(keyPrefix).denylist, inSeconds(600), missed);
    expect(list.isRevoked(missed)).toBe(false);

    const clients = (await admin.client('LIST')) as string;
    const feedLine = clients.split('\n').find((line) => line.includes(`name=${connectionName}:feed `));
    const id = /(?:^|\s)id=(\d+)/.exec(feedLine ?? '')?.[1];
    expect(id).toBeDefined();
    await admin.client('KILL', 'ID', id as string);

    await pollUntil(() => list.isRevoked(missed), { what: 'the snapshot reload after reconnect' });
    const later = newJti();
    await tokens.denyAccessToken(later, inSeconds(600));
    await pollUntil(() => list.isRevoked(later), { timeoutMs: 1_000, what: 'live revocations after reconnect' });
  });

  it('when a malformed message is published, then it is ignored and later ones still arrive', async () => {
    const list = openList();
    await list.ready();
    const channel = redisKeys(keyPrefix).revocationsChannel;
    await admin.publish(channel, 'not json');
    await admin.publish(channel, JSON.stringify({ jti: 42, exp: 'soon' }));
    const jti = newJti();
    await tokens.denyAccessToken(jti, inSeconds(600));
    await pollUntil(() => list.isRevoked(jti), { timeoutMs: 1_000, what: 'the valid revocation' });
  });

  it('when Redis does not answer, then ready rejects', async () => {
    const list = createRedisRevocationList({ url: 'redis://127.0.0.1:1' });
    lists.push(list);
    await expect(list.ready()).rejects.toThrow();
  });

  it('when Redis refuses the connection, then ready rejects with the cause and without the password', async () => {
    const list = createRedisRevocationList({ url: 'redis://:hunter2-secret@127.0.0.1:1' });
    lists.push(list);
    await expect(list.ready()).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:1');
    await expect(list.ready()).rejects.not.toThrow(/hunter2-secret|Connection is closed/);
  });
});
