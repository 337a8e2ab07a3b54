import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pollUntil } from '../auth/contracts/poll.js';
import { freePort } from './free-port.js';

/** Redis Cluster talks to its peers on the client port + 10000. */
const CLUSTER_BUS_OFFSET = 10_000;

/**
 * Real Redis servers started by the tests themselves on loopback ports, from Debian's
 * `redis-server`: a single server a test can stop and start, a 3-master Cluster, and a Sentinel
 * setup (primary, replica, 3 sentinels). Every process is killed by `stop()`, and by an exit hook
 * should a test run die first; data lives in a temporary directory removed with it.
 */

const BINARY = 'redis-server';

function binaryPresent(): boolean {
  return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether suites that start their own servers can run. Under CI a missing binary is a failure,
 * never a skip; elsewhere the suites are skipped with a visible message.
 */
export function redisServerAvailable(): boolean {
  if (binaryPresent()) return true;
  if (process.env.CI) throw new Error(`CI is set but \`${BINARY}\` is not installed (apt-get install redis-server)`);
  console.warn(`[skip] suites that start their own Redis: \`${BINARY}\` is not installed`);
  return false;
}

export const HAS_REDIS_SERVER = redisServerAvailable();

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class RedisServerProcess {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the process and resolves once it answers PING (or, for a sentinel, any command). */
  async start(): Promise<void> {
    const child = spawn(BINARY, this.args, { cwd: this.dir, stdio: 'ignore' });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    await pollUntil(() => this.answers(), { timeoutMs: 10_000, what: `redis-server on ${this.port}` });
  }

  /** Kills the process (SIGKILL: an outage, not a shutdown) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP / SIGCONT: a server that hangs without closing its sockets (a partition, a stall). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** A short-lived connection for test set-up and assertions (with retries off). */
  async command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await run(redis);
    } finally {
      redis.disconnect();
    }
  }

  private async answers(): Promise<boolean> {
    try {
      await this.command((redis) => redis.ping());
      return true;
    } catch {
      return false;
    }
  }
}

function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `authgate-${label}-`));
}

/** No persistence (fast, nothing left behind) unless a test asks for it. */
const COMMON = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];

async function serverProcess(dir: string, extra: string[] = [], port?: number): Promise<RedisServerProcess> {
  const chosen = port ?? (await freePort([CLUSTER_BUS_OFFSET]));
  const nodeDir = path.join(dir, String(chosen));
  rmSync(nodeDir, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', nodeDir]);
  return new RedisServerProcess(chosen, ['--port', String(chosen), '--dir', nodeDir, ...COMMON, ...extra], nodeDir);
}

export interface StandaloneRedis {
  server: RedisServerProcess;
  url: string;
  stop(): Promise<void>;
}

/** One server on a free loopback port; `server.stop()` / `server.start()` make an outage. */
export async function startStandaloneRedis(): Promise<StandaloneRedis> {
  const dir = tempDir('redis');
  const server = await serverProcess(dir);
  await server.start();
  return {
    server,
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  masters: RedisServerProcess[];
  /** `127.0.0.1:port` of every master, for REDIS_CLUSTER_NODES. */
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Three masters, slots split by `redis-cli --cluster create`, ready once every node says ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = tempDir('cluster');
  const masters: RedisServerProcess[] = [];
  const stop = async () => {
    await Promise.all(masters.map((m) => m.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const master = await serverProcess(dir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']);
      masters.push(master);
      await master.start();
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await pollUntil(
      async () => {
        const states = await Promise.all(masters.map((m) => m.command((r) => r.cluster('INFO')) as Promise<string>));
        return states.every((info) => info.includes('cluster_state:ok'));
      },
      { timeoutMs: 15_000, what: 'cluster_state:ok on every node' },
    );
    return { masters, nodes: masters.map((m) => ({ host: '127.0.0.1', port: m.port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RedisSentinelSetup {
  primary: RedisServerProcess;
  replica: RedisServerProcess;
  sentinels: RedisServerProcess[];
  name: string;
  /** Which data node is primary now, by asking a sentinel. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** A primary, one replica and three sentinels (quorum 2), ready once the sentinels know the replica. */
export async function startRedisSentinels(name = 'authgate'): Promise<RedisSentinelSetup> {
  const dir = tempDir('sentinel');
  const all: RedisServerProcess[] = [];
  const stop = async () => {
    await Promise.all(all.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primary = await serverProcess(dir);
    all.push(primary);
    await primary.start();
    const replica = await serverProcess(dir, ['--replicaof', '127.0.0.1', String(primary.port)]);
    all.push(replica);
    await replica.start();
    await pollUntil(async () => (await replica.command((r) => r.info('replication'))).includes('master_link_status:up'), {
      timeoutMs: 10_000,
      what: 'the replica to sync',
    });
    const sentinels: RedisServerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const sentinelDir = path.join(dir, `sentinel-${port}`);
      spawnSync('mkdir', ['-p', sentinelDir]);
      const conf = path.join(sentinelDir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${sentinelDir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = new RedisServerProcess(port, [conf, '--sentinel'], sentinelDir);
      all.push(sentinel);
      sentinels.push(sentinel);
      await sentinel.start();
    }
    await pollUntil(
      async () => {
        const known = await Promise.all(
          sentinels.map((s) => s.command((r) => r.call('SENTINEL', 'REPLICAS', name)) as Promise<unknown[]>),
        );
        return known.every((replicas) => replicas.length === 1);
      },
      { timeoutMs: 15_000, what: 'every sentinel to know the replica' },
    );
    const currentPrimaryPort = async () => {
      const [, port] = (await sentinels[0]!.command((r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as [string, string];
      return Number(port);
    };
    return { primary, replica, sentinels, name, currentPrimaryPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
