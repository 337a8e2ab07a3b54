import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisSettingsForUrl } from '../../../lib/redis/env.js';
import { connectRedisTokenStore } from '../../../services/auth/adapters/redis/redis-token-store.js';
import { pollUntil } from '../contracts/poll.js';
import { startTestAuth, type TestAuth } from '../support/auth-harness.js';
import { PASSWORD, post, request, type JsonResponse } from '../support/http-client.js';
import { HAS_REDIS_SERVER, startStandaloneRedis, type StandaloneRedis } from '../../support/redis-servers.js';

/** "About a second": the connection layer's command timeout (800 ms) plus a request's own work. */
const ANSWER_WITHIN_MS = 1_500;

describe.runIf(HAS_REDIS_SERVER)('auth while its Redis is down, hung, and back', () => {
  let redis: StandaloneRedis;
  let auth: TestAuth;
  let pair: { access_token: string; refresh_token: string };

  beforeAll(async () => {
    redis = await startStandaloneRedis();
    auth = await startTestAuth({ tokens: await connectRedisTokenStore(redisSettingsForUrl(redis.url, 'outage:')) });
    expect((await post(auth.url, '/auth/register', { username: 'outage-user', password: PASSWORD })).status).toBe(201);
    pair = (await post(auth.url, '/auth/login', { username: 'outage-user', password: PASSWORD })).body as typeof pair;
  });
  afterAll(async () => {
    redis?.server.resume();
    await auth?.stop();
    await redis?.stop();
  });

  /** Every request that needs Redis, freshly built each time (tokens change once Redis is back). */
  const calls = (): Array<[string, () => Promise<JsonResponse>]> => [
    ['login', () => post(auth.url, '/auth/login', { username: 'outage-user', password: PASSWORD })],
    ['refresh', () => post(auth.url, '/auth/refresh', { refresh_token: pair.refresh_token })],
    ['logout', () => post(auth.url, '/auth/logout', { refresh_token: pair.refresh_token }, pair.access_token)],
    ['me', () => request(auth.url, 'GET', '/auth/me', { token: pair.access_token })],
  ];

  async function expectUnavailable(name: string, call: () => Promise<JsonResponse>): Promise<void> {
    const started = performance.now();
    const response = await call();
    const elapsed = performance.now() - started;
    expect({ name, status: response.status, error: response.body?.error }).toEqual({ name, status: 503, error: 'temporarily_unavailable' });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(elapsed, `${name} answered after ${Math.round(elapsed)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
  }

  it('when Redis is killed, then login, refresh, logout and /auth/me answer 503 with Retry-After within about a second, and /readyz says not ready', async () => {
    await redis.server.stop();
    for (const [name, call] of calls()) await expectUnavailable(name, call);
    // Twice: the second round must not queue behind the first (no offline queue).
    for (const [name, call] of calls()) await expectUnavailable(name, call);
    expect((await request(auth.url, 'GET', '/readyz')).status).toBe(503);
  });

  it('when Redis comes back, then auth recovers without a restart', async () => {
    await redis.server.start();
    await pollUntil(async () => (await post(auth.url, '/auth/login', { username: 'outage-user', password: PASSWORD })).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: 'login to work again',
    });
    pair = (await post(auth.url, '/auth/login', { username: 'outage-user', password: PASSWORD })).body as typeof pair;
    expect((await request(auth.url, 'GET', '/auth/me', { token: pair.access_token })).status).toBe(200);
  });

  it('when Redis hangs without closing its sockets, then requests still answer 503 within about a second', async () => {
    redis.server.pause();
    try {
      for (const [name, call] of calls()) await expectUnavailable(name, call);
    } finally {
      redis.server.resume();
    }
    await pollUntil(async () => (await request(auth.url, 'GET', '/auth/me', { token: pair.access_token })).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: '/auth/me to work again after the stall',
    });
    // A logout that reaches Redis is a 204 and really revokes.
    expect((await post(auth.url, '/auth/logout', { refresh_token: pair.refresh_token }, pair.access_token)).status).toBe(204);
    expect((await request(auth.url, 'GET', '/auth/me', { token: pair.access_token })).status).toBe(401);
  });
});
