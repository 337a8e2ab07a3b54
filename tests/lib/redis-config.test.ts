import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { loadAuthConfig } from '../../services/auth/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadNotesConfig } from '../../services/notes/config.js';
import { loadReportsConfig } from '../../services/reports/config.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../lib/revocation/redis-keys.js';

const REPORTS_SECRET = { REPORTS_CLIENT_SECRET: 'x'.repeat(40) };

/** Every process reads the same Redis variables through lib/redis/env.ts. */
const loaders = {
  auth: (env: Record<string, string>) => loadAuthConfig(env).redis,
  gateway: (env: Record<string, string>) => loadGatewayConfig(env).redis,
  notes: (env: Record<string, string>) => loadNotesConfig(env).redis,
  reports: (env: Record<string, string>) => loadReportsConfig({ ...REPORTS_SECRET, ...env }).redis,
};

describe.each(Object.entries(loaders))('Redis configuration of %s', (_name, load) => {
  it('when nothing is set, then there is no Redis (in-process memory)', () => {
    expect(load({})).toBeUndefined();
  });

  it('when REDIS_URL is set, then it is a single server with the default prefix', () => {
    expect(load({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      target: { mode: 'standalone', url: 'redis://127.0.0.1:6379' },
      keyPrefix: DEFAULT_REDIS_KEY_PREFIX,
      username: undefined,
      password: undefined,
      replicaAck: { replicas: 0, timeoutMs: 300 },
    });
  });

  it('when REDIS_CLUSTER_NODES is set, then it is a cluster of those seeds, prefix and credentials applied', () => {
    expect(load({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002', REDIS_KEY_PREFIX: 'prod:', REDIS_PASSWORD: 'pw' })).toMatchObject({
      target: { mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }, { host: '::1', port: 7002 }] },
      keyPrefix: 'prod:',
      password: 'pw',
    });
  });

  it('when REDIS_SENTINELS and REDIS_SENTINEL_NAME are set, then it follows that master', () => {
    expect(load({ REDIS_SENTINELS: 's1:26379,s2:26379,s3:26379', REDIS_SENTINEL_NAME: 'authgate', REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '750' })).toMatchObject({
      target: { mode: 'sentinel', name: 'authgate', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }, { host: 's3', port: 26379 }] },
      replicaAck: { replicas: 1, timeoutMs: 750 },
    });
  });

  it.each([
    [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'b:7000', REDIS_SENTINELS: 'c:26379', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 'c:26379' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_CLUSTER_NODES: 'no-port' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: ',' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_SENTINELS: 'a:1:2', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS'],
    [{ REDIS_URL: 'redis://a', REDIS_KEY_PREFIX: 'app{x}:' }, 'REDIS_KEY_PREFIX'],
    [{ REDIS_URL: 'redis://a', REDIS_WAIT_REPLICAS: '-1' }, 'REDIS_WAIT_REPLICAS'],
    [{ REDIS_URL: 'redis://a', REDIS_WAIT_REPLICAS: '10' }, 'REDIS_WAIT_REPLICAS'],
    [{ REDIS_URL: 'redis://a', REDIS_WAIT_TIMEOUT_MS: '5' }, 'REDIS_WAIT_TIMEOUT_MS'],
    [{ REDIS_URL: 'redis://a', REDIS_WAIT_TIMEOUT_MS: '60000' }, 'REDIS_WAIT_TIMEOUT_MS'],
    [{ REDIS_URL: 'redis://a', REDIS_WAIT_TIMEOUT_MS: '0.5s' }, 'REDIS_WAIT_TIMEOUT_MS'],
  ])('when %o, then the start stops naming %s', (env, variable) => {
    let error: unknown;
    try {
      load(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});
