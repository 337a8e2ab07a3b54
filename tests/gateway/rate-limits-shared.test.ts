import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/gateway.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { deleteRedisKeys, HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';
import { HAS_REDIS_SERVER, startStandaloneRedis, type StandaloneRedis } from '../support/redis-servers.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { waitFor } from './http-client.js';
import { get, startRateLimitedGateway } from './rate-limit-fixture.js';

/**
 * Issue 27, point 2, with Redis: two gateway replicas spend one budget (reported in batches, no
 * Redis call per request), and a Redis outage leaves every replica limiting on its own, answering
 * without waiting, saying so in /readyz and in `gateway_rate_limit_shared`.
 */
let issuer: TestIssuer;
let upstream: EchoUpstream;

beforeAll(async () => {
  issuer = await startTestIssuer();
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  await Promise.all([upstream?.close(), issuer?.close()]);
});

const tokenOf = (sub: string) => issuer.sign({ claims: { sub } });
/** Longer than a report interval (100 ms) and its round trip: what one replica spent is known to the other. */
const reported = () => new Promise((resolve) => setTimeout(resolve, 400));

describe.runIf(HAS_REDIS)('two replicas on one Redis', () => {
  const prefix = uniqueRedisPrefix('rate-limits');
  let a: RunningGateway;
  let b: RunningGateway;

  beforeAll(async () => {
    a = await startRateLimitedGateway({ issuer: issuer.issuer, upstreamUrl: upstream.url, redis: { url: TEST_REDIS_URL, prefix } });
    b = await startRateLimitedGateway({ issuer: issuer.issuer, upstreamUrl: upstream.url, redis: { url: TEST_REDIS_URL, prefix } });
    // Each has counted the other (heartbeat once a second) before the tests spend.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
  });

  afterAll(async () => {
    await Promise.all([a?.close(500), b?.close(500)]);
    await deleteRedisKeys(prefix);
  });

  it('when a subject spends part of its budget at one replica, then the other replica grants only the rest', async () => {
    const token = tokenOf(`shared-${randomUUID()}`);
    for (let i = 0; i < 6; i++) expect((await get(a.url, '/shared/x', token)).status).toBe(200);
    await reported();
    const atB: number[] = [];
    for (let i = 0; i < 6; i++) atB.push((await get(b.url, '/shared/x', token)).status);
    expect(atB).toEqual([200, 200, 200, 200, 429, 429]);
    await reported();
    // A was quiet while B spent: its view is stale, so its next request may pass on it (the one
    // request docs/edge.md allows) while its report learns the total; from then on, 429.
    const atA = [(await get(a.url, '/shared/x', token)).status, (await get(a.url, '/shared/x', token)).status];
    expect(atA.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
    expect(atA[1]).toBe(429);
  });

  it('when both replicas are hammered at once, then together they grant the budget and overshoot at most one share per other replica', async () => {
    const token = tokenOf(`burst-${randomUUID()}`);
    const limit = 200;
    const statuses = await Promise.all(Array.from({ length: 600 }, (_, i) => get(i % 2 === 0 ? a.url : b.url, '/burst/x', token).then((res) => res.status)));
    const granted = statuses.filter((status) => status === 200).length;
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    // The bound docs/edge.md states for N = 2: (N - 1) * floor(limit / N) beyond the limit.
    expect(granted).toBeGreaterThanOrEqual(limit);
    expect(granted).toBeLessThanOrEqual(limit + limit / 2);
    await reported();
    expect((await get(a.url, '/burst/x', token)).status).toBe(429);
    expect((await get(b.url, '/burst/x', token)).status).toBe(429);
  });
});

describe.runIf(HAS_REDIS_SERVER)('Redis killed under two replicas', () => {
  let redis: StandaloneRedis;
  let a: RunningGateway;
  let b: RunningGateway;
  const metrics = createMetrics({ service: 'gateway' });

  beforeAll(async () => {
    redis = await startStandaloneRedis();
    const shared = { url: redis.url, prefix: 'rl-outage:' };
    a = await startRateLimitedGateway({ issuer: issuer.issuer, upstreamUrl: upstream.url, redis: shared, metrics });
    b = await startRateLimitedGateway({ issuer: issuer.issuer, upstreamUrl: upstream.url, redis: shared });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.close(500), b?.close(500)]);
    await redis?.stop();
  });

  const readiness = async (gateway: RunningGateway) => (await fetch(`${gateway.opsUrl}/readyz`)).json() as Promise<{ status: string; checks: Record<string, string>; details?: Record<string, Record<string, unknown>> }>;
  const sharedGauge = async () => /^gateway_rate_limit_shared(?:\{[^}]*\})? (\d)/m.exec(await (await fetch(`${a.opsUrl}/metrics`)).text())?.[1];

  /** Script calls Redis has served so far (EVALSHA and the EVAL fallback). */
  const scriptCalls = async () => {
    const stats = await redis.server.command((client) => client.info('commandstats'));
    return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  };

  it('when one user sends 100 requests, then Redis sees a handful of batched reports, not a call per request', async () => {
    const token = tokenOf(`batched-${randomUUID()}`);
    const before = await scriptCalls();
    for (let i = 0; i < 100; i++) expect((await get(a.url, '/burst/x', token)).status).toBe(200);
    await reported();
    const calls = (await scriptCalls()) - before;
    // The first request (new budget), one per 100 ms tick while requests come, one per share spent.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(25);
  });

  it('when Redis dies, then each replica limits on its own without waiting, and readiness and the metric say so; when it is back, the budget is shared again', async () => {
    const token = tokenOf(`outage-${randomUUID()}`);
    expect((await readiness(a)).details?.rate_limits).toMatchObject({ mode: 'shared', redis: 'up' });
    expect(await sharedGauge()).toBe('1');
    for (let i = 0; i < 4; i++) expect((await get(a.url, '/shared/x', token)).status).toBe(200);
    await reported();

    await redis.server.stop();
    const started = Date.now();
    const atA: number[] = [];
    for (let i = 0; i < 8; i++) atA.push((await get(a.url, '/shared/x', token)).status);
    // A knew 4 were spent; the 6 left are granted from memory, then 429. Nothing waited on Redis.
    expect(atA).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect(Date.now() - started).toBeLessThan(1_000);
    // B never spent for this subject: on its own, it grants its whole budget (the documented outage mode).
    const fresh = tokenOf(`outage-b-${randomUUID()}`);
    const atB: number[] = [];
    for (let i = 0; i < 11; i++) atB.push((await get(b.url, '/shared/x', fresh)).status);
    expect(atB.filter((status) => status === 200)).toHaveLength(10);
    expect(atB.at(-1)).toBe(429);

    await waitFor(async () => (await readiness(a)).details?.rate_limits?.redis === 'down', { timeoutMs: 5_000, intervalMs: 100 });
    const down = await readiness(a);
    expect(down.status).toBe('ready');
    expect(down.checks.rate_limits).toBe('degraded');
    expect(down.details?.rate_limits).toMatchObject({ mode: 'per_replica', redis: 'down' });
    expect(await sharedGauge()).toBe('0');

    await redis.server.start();
    await waitFor(async () => (await readiness(a)).details?.rate_limits?.redis === 'up', { timeoutMs: 10_000, intervalMs: 100 });
    expect(await sharedGauge()).toBe('1');
    // The requests counted while Redis was away are reported once it is back.
    await waitFor(async () => Number(await redis.server.command((client) => client.get(`rl-outage:ratelimit:3:subject:${decodeSub(fresh)}:${Math.floor(Date.now() / 86_400_000)}`))) === 10, { timeoutMs: 5_000, intervalMs: 100 });
  }, 40_000);
});

function decodeSub(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
}
