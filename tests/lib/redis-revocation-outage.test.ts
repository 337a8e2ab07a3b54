import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../lib/logger.js';
import { revocationFeedReadiness } from '../../lib/revocation/feed-observability.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import { pollUntil } from '../auth/contracts/poll.js';
import { deleteKeysWithPrefix } from '../auth/adapters/redis-test-fixture.js';
import { freePort } from '../support/free-port.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';

const newJti = () => `jti-${randomBytes(8).toString('hex')}`;
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

/**
 * A TCP relay in front of the real Redis that a test can cut and restore: the verifier's side of
 * a network partition, while the auth service (straight to Redis) keeps revoking.
 */
async function startRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // Reserved below the ephemeral range, so no other socket can take it while the relay is cut
  // (a listen(0) port could be handed to an outgoing connection then, and restore would fail).
  const port = await freePort();
  await listen(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    restore: () => listen(port),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
}

describe.runIf(HAS_REDIS)('Redis revocation list through an outage', () => {
  const keyPrefix = uniqueRedisPrefix('revocation-outage');
  let admin: Redis;
  let tokens: RedisTokenStore;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let list: RevocationList;
  const warnings: string[] = [];
  const logger = { info: () => {}, warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') } as unknown as Logger;

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL);
    tokens = new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix });
  });
  afterEach(async () => {
    await list?.close();
    await relay?.close();
  });
  afterAll(async () => {
    await tokens.close();
    await deleteKeysWithPrefix(admin, keyPrefix);
    await admin.quit();
  });

  it('when a token is revoked while the verifier is cut off, then it is refused once the connection is back, and the outage was reported once', async () => {
    relay = await startRelay(new URL(TEST_REDIS_URL));
    list = createRedisRevocationList({ url: relay.url, keyPrefix, logger, connectionName: `test-outage-${randomBytes(4).toString('hex')}` });
    await list.ready();
    const readiness = revocationFeedReadiness(list);
    expect(await readiness.check()).toEqual({ degraded: false, detail: { source: 'redis', up: true } });
    warnings.length = 0;

    await relay.cut();
    await pollUntil(() => !list.status().up, { what: 'the outage to be noticed' });
    // Published while nobody listens: only the re-read on reconnect can reveal it.
    const revokedDuringOutage = newJti();
    await tokens.denyAccessToken(revokedDuringOutage, inSeconds(600));
    expect(list.isRevoked(revokedDuringOutage)).toBe(false);
    expect(await readiness.check()).toMatchObject({ degraded: true, detail: { source: 'redis', up: false } });
    // Let ioredis fail a few reconnects: each one must not add a warning.
    await pollUntil(() => warnings.length > 0, { what: 'the outage warning' });
    await new Promise((resolve) => setTimeout(resolve, 500));

    await relay.restore();
    await pollUntil(() => list.isRevoked(revokedDuringOutage), { timeoutMs: 5_000, what: 'the re-read after reconnect' });
    expect(list.status()).toMatchObject({ up: true, loaded: true });
    expect(warnings.filter((msg) => msg.startsWith('revocation feed down'))).toHaveLength(1);

    const later = newJti();
    await tokens.denyAccessToken(later, inSeconds(600));
    await pollUntil(() => list.isRevoked(later), { timeoutMs: 1_000, what: 'live revocations after the outage' });
  });
});
