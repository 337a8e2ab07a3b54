import { z } from 'zod';
import { envField } from '../config.js';

/** The prefix of every Redis key and channel when REDIS_KEY_PREFIX is unset. */
export const DEFAULT_REDIS_KEY_PREFIX = 'authgate:';

/** A `host:port` of a Cluster seed or a Sentinel. */
export interface RedisHostPort {
  host: string;
  port: number;
}

/** Where Redis is, in one of the three shapes ioredis can follow. */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | { mode: 'cluster'; nodes: RedisHostPort[] }
  | { mode: 'sentinel'; sentinels: RedisHostPort[]; name: string };

/** Everything a process needs to open its Redis connections; built once from the environment. */
export interface RedisSettings {
  target: RedisTarget;
  /** Namespace of every key and channel; the same in every process of one deployment. */
  keyPrefix: string;
  /** ACL user and password of the data nodes in cluster and sentinel mode (a URL carries its own). */
  username?: string | undefined;
  password?: string | undefined;
  /** Which replicas must confirm a security write, and how long they get to. */
  replicaAck: ReplicaAck;
}

/**
 * Replicas that must have a security write (refresh rotation, revocation, replay claim) before it
 * is acknowledged (Redis WAIT), and how long the primary waits for them (REDIS_WAIT_REPLICAS,
 * REDIS_WAIT_TIMEOUT_MS). `replicas: 0` trusts asynchronous replication, which a failover can lose.
 */
export interface ReplicaAck {
  replicas: number;
  timeoutMs: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 300;
/** Writes whose loss a failover may cause, and every write when REDIS_WAIT_REPLICAS is 0. */
export const NO_REPLICA_ACK: ReplicaAck = Object.freeze({ replicas: 0, timeoutMs: DEFAULT_WAIT_TIMEOUT_MS });

const HOST_PORT = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}`;
const HOST_PORT_LIST = new RegExp(String.raw`^\s*${HOST_PORT}(?:\s*,\s*${HOST_PORT})*\s*$`);

/** Comma-separated host:port list, e.g. `10.0.0.1:7000,10.0.0.2:7000`. */
function hostPortList() {
  return z
    .string()
    .regex(HOST_PORT_LIST, 'must be comma-separated host:port pairs')
    .transform((value) => value.split(',').map((part) => toHostPort(part.trim())));
}

function toHostPort(part: string): RedisHostPort {
  const at = part.lastIndexOf(':');
  return { host: part.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(part.slice(at + 1)) };
}

/**
 * The Redis variables, identical in every process's schema (spread them into the z.object, then
 * `.superRefine(checkRedisEnv)` and `toRedisSettings(env)` in the transform).
 */
export const redisEnvFields = {
  REDIS_URL: envField.redisUrl().optional(),
  REDIS_CLUSTER_NODES: hostPortList().optional(),
  REDIS_SENTINELS: hostPortList().optional(),
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be the master name the Sentinels monitor').optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  /**
   * Braces would move keys into hash slots of the operator's choosing and break the slots the
   * scripts rely on (one refresh family, the revocation state) on Redis Cluster.
   */
  REDIS_KEY_PREFIX: z
    .string()
    .min(1)
    .regex(/^[^{}\s]+$/, 'must not contain braces or spaces')
    .default(DEFAULT_REDIS_KEY_PREFIX),
  REDIS_WAIT_REPLICAS: z
    .string()
    .regex(/^[0-9]$/, 'must be a number of replicas, 0-9')
    .transform(Number)
    .default(0),
  /** Bounded so a write still fails fast (503) when a replica is gone. */
  REDIS_WAIT_TIMEOUT_MS: envField.milliseconds(DEFAULT_WAIT_TIMEOUT_MS, { min: 10, max: 5_000 }),
};

type RedisEnv = z.output<z.ZodObject<typeof redisEnvFields>>;

/** One shape at a time: naming two would leave it unclear which Redis holds the state. */
export function checkRedisEnv(env: RedisEnv, ctx: z.RefinementCtx): void {
  const given = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((name) => env[name] !== undefined);
  if (given.length > 1) {
    ctx.addIssue({ code: 'custom', path: [given[1]!], message: `cannot be combined with ${given[0]}: set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS` });
  }
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_NAME === undefined) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'is required with REDIS_SENTINELS (the master name the Sentinels monitor)' });
  }
  if (env.REDIS_SENTINEL_NAME !== undefined && env.REDIS_SENTINELS === undefined) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'is required with REDIS_SENTINEL_NAME' });
  }
}

/** The settings, or undefined when no Redis is configured (in-process memory mode). */
export function toRedisSettings(env: RedisEnv): RedisSettings | undefined {
  const target: RedisTarget | undefined = env.REDIS_URL
    ? { mode: 'standalone', url: env.REDIS_URL }
    : env.REDIS_CLUSTER_NODES
      ? { mode: 'cluster', nodes: env.REDIS_CLUSTER_NODES }
      : env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME
        ? { mode: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME }
        : undefined;
  if (!target) return undefined;
  return { target, keyPrefix: env.REDIS_KEY_PREFIX, username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD, replicaAck: { replicas: env.REDIS_WAIT_REPLICAS, timeoutMs: env.REDIS_WAIT_TIMEOUT_MS } };
}

/** Settings for one URL, for tests and library users who have nothing but a REDIS_URL. */
export function redisSettingsForUrl(url: string, keyPrefix: string = DEFAULT_REDIS_KEY_PREFIX): RedisSettings {
  return { target: { mode: 'standalone', url }, keyPrefix, replicaAck: NO_REPLICA_ACK };
}

/** Which variable names the configured Redis, for start-up errors ("cannot open ... REDIS_URL"). */
export function redisVariable(settings: RedisSettings): string {
  return { standalone: 'REDIS_URL', cluster: 'REDIS_CLUSTER_NODES', sentinel: 'REDIS_SENTINELS' }[settings.target.mode];
}
