import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { fmt, printTable } from './table.js';

/**
 * Refresh state per refresh (issue 22, point 3): what one refresh leaves behind in the token
 * store, measured through the real auth service (in this process, its HTTP API on loopback) so
 * the same script measures any checkout, whatever its store's internals.
 *
 *   embedded (the `npm start` default; its refresh state is the memory store's): V8 heap used
 *   after a full GC, before and after a batch of refreshes of one account, divided by the batch.
 *   redis: keys under the run's own REDIS_KEY_PREFIX and their MEMORY USAGE, same batch.
 *
 * Bytes and key counts, not time, so a loaded machine does not blur them. Each round is one batch
 * continuing the same refresh chain; the table gives the mean and range over the rounds (the
 * heap moves by a few hundred KB between collections whatever the store does: ~±150 B/refresh per
 * round of 4000, which the mean over 5 rounds narrows).
 *
 *   node --expose-gc --import tsx bench/refresh-footprint.ts                      # this checkout
 *   node --expose-gc --import tsx bench/refresh-footprint.ts --before /tmp/base   # and another, as "before"
 *   REFRESH_BENCH_BATCH=4000 REFRESH_BENCH_ROUNDS=5 (the defaults); REDIS_URL (default redis://127.0.0.1:6379; skipped if unreachable)
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const BATCH = Number(process.env.REFRESH_BENCH_BATCH ?? 4000);
const ROUNDS = Number(process.env.REFRESH_BENCH_ROUNDS ?? 5);
const WARMUP = 1000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Round {
  heapBytesPerRefresh?: number;
  redisKeysPerRefresh?: number;
  redisBytesPerRefresh?: number;
}

interface Measured {
  embedded: Round[];
  redis: Round[] | null;
  /** Keys and MEMORY USAGE bytes under the prefix after the last round: the account's whole refresh state (and its session set). */
  redisHeld: { keys: number; bytes: number } | null;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function importFrom<T>(root: string, file: string): Promise<T> {
  return (await import(pathToFileURL(path.join(root, file)).href)) as T;
}

/** Starts the checkout's auth service with `env`, logs in one account, and returns a refresh loop. */
async function startAuth(root: string, env: Record<string, string>) {
  const { loadAuthConfig } = await importFrom<typeof import('../services/auth/config.js')>(root, 'services/auth/config.ts');
  const { startAuthService } = await importFrom<typeof import('../services/auth/compose.js')>(root, existsSync(path.join(root, 'services/auth/compose.ts')) ? 'services/auth/compose.ts' : 'services/auth/start.ts');
  const { MemoryUserStore } = await importFrom<typeof import('../services/auth/adapters/memory/memory-user-store.js')>(root, 'services/auth/adapters/memory/memory-user-store.ts');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'refresh-footprint-'));
  const config = loadAuthConfig({ AUTH_PORT: '0', AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
  const service = await startAuthService(config, { users: new MemoryUserStore(), env: {} });
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${service.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, string>;
    if (!res.ok) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const credentials = { username: 'footprint', password: 'correct horse battery staple' };
  await post('/auth/register', credentials);
  let token = (await post('/auth/login', credentials)).refresh_token!;
  return {
    refresh: async (count: number) => {
      for (let i = 0; i < count; i++) token = (await post('/auth/refresh', { refresh_token: token })).refresh_token!;
    },
    stop: async () => {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Bytes of live objects after full collections: old and large-object space (what a retained entry
 * ends up in); code space and the young generation are left out, they move with JIT tiering and
 * the last requests rather than with what the store keeps.
 */
function heapAfterGc(): number {
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return v8.getHeapSpaceStatistics()
    .filter((space) => space.space_name === 'old_space' || space.space_name === 'large_object_space')
    .reduce((sum, space) => sum + space.space_used_size, 0);
}

async function measureEmbedded(root: string): Promise<Round[]> {
  const auth = await startAuth(root, {});
  try {
    await auth.refresh(WARMUP);
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = heapAfterGc();
      await auth.refresh(BATCH);
      rounds.push({ heapBytesPerRefresh: (heapAfterGc() - before) / BATCH });
    }
    return rounds;
  } finally {
    await auth.stop();
  }
}

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function measureRedis(root: string): Promise<Pick<Measured, 'redis' | 'redisHeld'>> {
  if (!(await redisReachable())) return { redis: null, redisHeld: null };
  const prefix = `bench:refresh-footprint:${process.pid}:${Date.now()}:`;
  const admin = new Redis(REDIS_URL);
  const footprint = async () => {
    let keys = 0;
    let bytes = 0;
    for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 1000 })) {
      for (const key of batch as string[]) {
        keys++;
        bytes += Number((await admin.memory('USAGE', key)) ?? 0);
      }
    }
    return { keys, bytes };
  };
  const auth = await startAuth(root, { REDIS_URL, REDIS_KEY_PREFIX: prefix });
  try {
    await auth.refresh(WARMUP);
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = await footprint();
      await auth.refresh(BATCH);
      const after = await footprint();
      rounds.push({ redisKeysPerRefresh: (after.keys - before.keys) / BATCH, redisBytesPerRefresh: (after.bytes - before.bytes) / BATCH });
    }
    return { redis: rounds, redisHeld: await footprint() };
  } finally {
    await auth.stop();
    for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 1000 })) if ((batch as string[]).length > 0) await admin.del(...(batch as string[]));
    await admin.quit();
  }
}

/** Runs this script on `root` in a child process (its own heap, --expose-gc) and returns what it measured. */
function measureIn(root: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--measure', root], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Measured) : reject(new Error(`measuring ${root} exited ${code}`))));
  });
}

/** Mean over the rounds (for the heap: total growth over every round / every refresh) and the range. */
function summary(values: number[]): string {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return `${fmt(mean, 1)} (${fmt(Math.min(...values), 1)}..${fmt(Math.max(...values), 1)})`;
}

async function main(): Promise<void> {
  const measureAt = process.argv.indexOf('--measure');
  if (measureAt !== -1) {
    const root = process.argv[measureAt + 1]!;
    const result: Measured = { embedded: await measureEmbedded(root), ...(await measureRedis(root)) };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const beforeAt = process.argv.indexOf('--before');
  const checkouts: Array<[string, string]> = [];
  if (beforeAt !== -1) checkouts.push([`before (${path.resolve(process.argv[beforeAt + 1]!)})`, path.resolve(process.argv[beforeAt + 1]!)]);
  checkouts.push(['this checkout', path.resolve(here, '..')]);
  const rows: string[][] = [];
  for (const [label, root] of checkouts) {
    const m = await measureIn(root);
    const pick = (rounds: Round[] | null, key: keyof Round) => (rounds ? summary(rounds.map((r) => r[key] ?? 0)) : 'n/a (no Redis)');
    const held = m.redisHeld ? `${m.redisHeld.keys} keys, ${fmt(m.redisHeld.bytes)} B` : 'n/a';
    rows.push([label, pick(m.embedded, 'heapBytesPerRefresh'), pick(m.redis, 'redisKeysPerRefresh'), pick(m.redis, 'redisBytesPerRefresh'), held]);
  }
  printTable(
    `Refresh state per refresh: one account, ${ROUNDS} rounds of ${BATCH} refreshes after ${WARMUP} warm-up; mean (min..max)`,
    ['checkout', 'embedded: auth heap B/refresh', 'redis: keys/refresh', 'redis: B/refresh (MEMORY USAGE)', `redis: held after ${fmt(WARMUP + ROUNDS * BATCH)} refreshes`],
    rows,
  );
}

await main();
