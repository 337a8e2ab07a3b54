import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../lib/redis/connection.js';
import { NO_REPLICA_ACK, type RedisSettings, type ReplicaAck } from '../../lib/redis/env.js';
import { isAppError } from '../../lib/errors.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import { redisKeys } from '../../lib/revocation/redis-keys.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import { pollUntil } from '../auth/contracts/poll.js';
import { runTokenStoreContract } from '../auth/contracts/token-store.contract.js';
import {
  HAS_REDIS_SERVER,
  startRedisCluster,
  startRedisSentinels,
  type RedisCluster,
  type RedisSentinelSetup,
} from '../support/redis-servers.js';
import { runRevocationListContract } from './redis-revocation-list.contract.js';

/**
 * The token store and the revocation list on the two shapes beyond one server, each started here
 * from redis-server on loopback ports: a 3-master Cluster and a Sentinel-managed primary/replica.
 */

const prefix = (label: string) => `test:${label}:${randomBytes(4).toString('hex')}:`;

async function storeFixture(settings: RedisSettings) {
  const store = new RedisTokenStore({ redis: await connectRedis(settings, 'test-store'), keyPrefix: settings.keyPrefix, replicaAck: settings.replicaAck });
  // The servers are thrown away after the file; nothing to delete key by key.
  return { store, cleanup: () => store.close() };
}

describe.runIf(HAS_REDIS_SERVER)('Redis Cluster, 3 masters', () => {
  let cluster: RedisCluster;
  const settings = (label: string): RedisSettings => ({ target: { mode: 'cluster', nodes: cluster.nodes }, keyPrefix: prefix(label), replicaAck: NO_REPLICA_ACK });

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  runTokenStoreContract('redis cluster', () => storeFixture(settings('cluster-store')));
  runRevocationListContract('redis cluster', {
    settings: () => settings('cluster-revocations'),
    dataNodeUrls: async () => cluster.masters.map((m) => m.url),
  });

  it('when many families are issued, then they spread over every master, each family one key in the slot of its id', async () => {
    const { store } = await storeFixture(settings('cluster-spread'));
    try {
      const now = Date.now();
      for (let i = 0; i < 30; i++) {
        await store.issueRefreshToken({ tokenHash: `h${i}`, familyId: `family-${i}`, subject: 's', clientId: 'c', scope: 'a', issuedAt: now, expiresAt: now + 60_000 });
      }
      const counts = await Promise.all(cluster.masters.map((m) => m.command((r) => r.dbsize())));
      expect(counts.every((count) => count > 0)).toBe(true);
      const keys = redisKeys('p:');
      const slots = await cluster.masters[0]!.command((r) =>
        Promise.all([keys.refreshFamily('f'), '{f}'].map((k) => r.cluster('KEYSLOT', k))),
      );
      expect(new Set(slots).size).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(HAS_REDIS_SERVER)('Redis Sentinel: primary, replica, 3 sentinels', () => {
  let setup: RedisSentinelSetup;
  // Every security write waits for the replica: what a failover must not lose. The budget is
  // generous because these tests are about what is kept, and a CI machine running two test files
  // on two cores has been seen to take over 300 ms (the default) to answer one WAIT.
  const settings = (label: string, replicaAck: ReplicaAck = { replicas: 1, timeoutMs: 2_000 }): RedisSettings => ({
    target: { mode: 'sentinel', name: setup.name, sentinels: setup.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })) },
    keyPrefix: prefix(label),
    replicaAck,
  });

  beforeAll(async () => {
    setup = await startRedisSentinels();
  }, 60_000);
  afterAll(async () => {
    await setup?.stop();
  });

  runTokenStoreContract('redis sentinel', () => storeFixture(settings('sentinel-store')));
  runRevocationListContract('redis sentinel', {
    settings: () => settings('sentinel-revocations'),
    dataNodeUrls: async () => [setup.primary.url, setup.replica.url],
  });

  it('when the replica hangs, then a security write is answered 503 after the wait timeout and succeeds once it is back', async () => {
    const { store } = await storeFixture(settings('replica-hang', { replicas: 1, timeoutMs: 200 }));
    const now = Date.now();
    const record = (n: number) => ({ tokenHash: `hang-${n}`, familyId: `hang-family-${n}`, subject: 'u', clientId: 'c', scope: 'a', issuedAt: now, expiresAt: now + 60_000 });
    setup.replica.pause();
    try {
      const started = Date.now();
      const error = await store.issueRefreshToken(record(1)).then(() => undefined, (err: unknown) => err);
      expect(isAppError(error) && { code: error.code, status: error.status }).toEqual({ code: 'REDIS_UNAVAILABLE', status: 503 });
      expect((error as Error & { cause?: Error }).cause?.message).toBe('write not confirmed by 1 replica(s) within 200 ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      setup.replica.resume();
    }
    try {
      await pollUntil(
        () => store.issueRefreshToken(record(2)).then(() => true, () => false),
        { timeoutMs: 10_000, what: 'the resumed replica to confirm writes again' },
      );
      expect(await store.findActiveRefreshToken({ familyId: 'hang-family-2', tokenHash: 'hang-2' }, Date.now())).toMatchObject({ familyId: 'hang-family-2' });
    } finally {
      await store.close();
    }
  });

  it('when SENTINEL FAILOVER happens during a refresh load, then no family forks and no acknowledged revocation is lost', async () => {
    const config = settings('failover');
    const { store } = await storeFixture(config);
    const list = createRedisRevocationList({ redis: config, connectionName: 'test-failover' });
    try {
      await list.ready();
      const now = Date.now();
      const families = Array.from({ length: 8 }, (_, i) => ({ familyId: `fam-${i}`, current: `fam-${i}-0`, issued: [`fam-${i}-0`], acknowledged: 0 }));
      for (const family of families) {
        await store.issueRefreshToken({ tokenHash: family.current, familyId: family.familyId, subject: 'u', clientId: 'c', scope: 'a', issuedAt: now, expiresAt: now + 600_000 });
      }
      const acknowledgedDenials: string[] = [];
      const startPort = await setup.currentPrimaryPort();
      let failedOver = false;
      let ackedAfterFailover = 0;
      let errors = 0;
      const deadline = Date.now() + 40_000;

      // One client per family, doing what a real client does: refresh, and on a failure retry
      // with the same token (the grace window hands back the successor if the first try landed).
      // A client whose last try failed does not stop there: that try may have landed, and only a
      // retry (grace) tells it which token is now its own.
      const worker = async (family: (typeof families)[number]) => {
        let n = 0;
        let lastFailed = false;
        while (Date.now() < deadline && (lastFailed || !(failedOver && ackedAfterFailover >= 2 * families.length))) {
          const proposed = `${family.familyId}-${++n}`;
          family.issued.push(proposed);
          try {
            const result = await store.rotateRefreshToken(
              { familyId: family.familyId, tokenHash: family.current },
              { tokenHash: proposed, issuedAt: Date.now(), expiresAt: Date.now() + 600_000, sealedSuccessor: proposed },
              { now: Date.now(), graceMs: 60_000 },
            );
            if (result.outcome === 'rotated') family.current = proposed;
            else if (result.outcome === 'grace') family.current = result.sealedSuccessor;
            else throw new Error(`family ${family.familyId}: ${result.outcome} after an acknowledged rotation`);
            family.acknowledged++;
            if (failedOver) ackedAfterFailover++;
            const jti = `jti-${family.familyId}-${n}`;
            await store.denyAccessToken(jti, Math.floor(Date.now() / 1000) + 600);
            acknowledgedDenials.push(jti);
            lastFailed = false;
          } catch (error) {
            if (error instanceof Error && error.message.includes('after an acknowledged rotation')) throw error;
            lastFailed = true;
            errors++;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      const load = Promise.all(families.map(worker));
      await pollUntil(() => families.every((f) => f.acknowledged >= 3), { timeoutMs: 10_000, what: 'the load to run' });
      await setup.sentinels[0]!.command((r) => r.call('SENTINEL', 'FAILOVER', setup.name));
      await pollUntil(async () => (await setup.currentPrimaryPort()) !== startPort, { timeoutMs: 20_000, what: 'the sentinels to promote the replica' });
      failedOver = true;
      await load;

      expect(ackedAfterFailover, `rotations acknowledged after the failover (errors meanwhile: ${errors})`).toBeGreaterThanOrEqual(2 * families.length);
      for (const family of families) {
        const active: string[] = [];
        for (const hash of family.issued) if (await store.findActiveRefreshToken({ familyId: family.familyId, tokenHash: hash }, Date.now())) active.push(hash);
        // One active token per family, and it is the one its client was last given.
        expect({ family: family.familyId, active }).toEqual({ family: family.familyId, active: [family.current] });
      }
      for (const jti of acknowledgedDenials) expect(await store.isAccessTokenDenied(jti), jti).toBe(true);
      await pollUntil(() => acknowledgedDenials.every((jti) => list.isRevoked(jti)), { timeoutMs: 5_000, what: 'the revocation list to know every acknowledged denial' });
    } finally {
      await list.close();
      await store.close();
    }
  }, 60_000);
});
