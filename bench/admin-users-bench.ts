import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../lib/logger.js';
import { openEmbeddedUserStore } from '../services/auth/adapters/embedded/embedded-user-store.js';
import { MemoryTokenStore } from '../services/auth/adapters/memory/memory-token-store.js';
import { MemoryUserStore } from '../services/auth/adapters/memory/memory-user-store.js';
import { loadAuthConfig } from '../services/auth/config.js';
import type { UserStore } from '../services/auth/domain/users/user-store.js';
import { startAuthService } from '../services/auth/compose.js';
import { fmt, printTable, ratio } from './table.js';

/**
 * The admin list and search (GET /admin/users) over 100,000 users, through the real auth service
 * and HTTP, per user store that runs here: a first page, a page 1,000 pages deep (by cursor), a
 * username prefix search and an e-mail prefix search, each `SAMPLES` times; p50 and p95 in ms,
 * against `GET /admin/users?username=` (one exact lookup on the unique index) measured in the
 * same run as the baseline. Mongo runs too when MONGODB_URI is set.
 *
 *   npx tsx bench/admin-users-bench.ts        (ADMIN_BENCH_USERS=100000 ADMIN_BENCH_SAMPLES=200)
 */
const USERS = Number(process.env.ADMIN_BENCH_USERS ?? 100_000);
const SAMPLES = Number(process.env.ADMIN_BENCH_SAMPLES ?? 200);
const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

interface Seeded {
  username: string;
  email: string;
}

/** Random 8-hex-digit names (so prefixes spread like real ones), every tenth without an address. */
function people(count: number): Seeded[] {
  return Array.from({ length: count }, (_, i) => {
    const username = `u${randomBytes(4).toString('hex')}${i}`;
    return { username, email: `${username}@example${i % 50}.test` };
  });
}

async function memoryStore(seed: Seeded[]): Promise<{ store: UserStore; close: () => Promise<void> }> {
  const store = new MemoryUserStore();
  for (const user of seed) await store.create({ username: user.username, email: user.email, passwordHash: HASH, roles: ['user'] });
  return { store, close: async () => {} };
}

/** users.db written as NeDB's own JSON lines (as a long-running service leaves it), then opened. */
async function embeddedStore(seed: Seeded[]): Promise<{ store: UserStore; close: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'admin-bench-users-'));
  const createdAt = { $$date: Date.now() };
  const lines = seed.map((user, i) => JSON.stringify({ _id: `id${i.toString(36).padStart(14, '0')}`, username: user.username, email: user.email, emailVerified: false, passwordHash: HASH, roles: ['user'], createdAt, lockedAt: null }));
  await writeFile(path.join(dir, 'users.db'), `${lines.join('\n')}\n`, { mode: 0o600 });
  const opening = performance.now();
  const store = await openEmbeddedUserStore(dir);
  process.stderr.write(`  embedded: opened ${fmt(seed.length)} users (index built) in ${fmt(performance.now() - opening)} ms\n`);
  return { store, close: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
}

async function mongoStore(seed: Seeded[], uri: string): Promise<{ store: UserStore; close: () => Promise<void> }> {
  const { connectMongoUserStore } = await import('../services/auth/adapters/mongo/mongo-user-store.js');
  const store = await connectMongoUserStore(uri);
  for (let i = 0; i < seed.length; i += 1_000) {
    await Promise.all(seed.slice(i, i + 1_000).map((user) => store.create({ username: user.username, email: user.email, passwordHash: HASH, roles: ['user'] })));
  }
  return { store, close: () => store.close() };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function timed(samples: number, call: (i: number) => Promise<void>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 10; i++) await call(i);
  const took: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await call(i);
    took.push(performance.now() - start);
  }
  took.sort((a, b) => a - b);
  return { p50: percentile(took, 50), p95: percentile(took, 95) };
}

async function measure(name: string, seed: Seeded[], open: () => Promise<{ store: UserStore; close: () => Promise<void> }>): Promise<string[][]> {
  process.stderr.write(`seeding ${fmt(seed.length)} users into ${name}\n`);
  const { store, close } = await open();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'admin-bench-auth-'));
  const config = loadAuthConfig({ AUTH_PORT: '0', AUTH_DATA_DIR: dataDir, AUTH_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' });
  const service = await startAuthService(config, {
    logger: createLogger({ name: 'auth', level: 'silent' }),
    auditLogger: createLogger({ name: 'audit', level: 'silent' }),
    users: store,
    tokens: new MemoryTokenStore(),
  });
  try {
    const get = async (query: string) => {
      const res = await fetch(`${service.url}/admin/users${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (res.status !== 200) throw new Error(`${name}: GET /admin/users${query} answered ${res.status}`);
      return (await res.json()) as { users?: unknown[]; next_cursor?: string | null };
    };
    // A cursor 1,000 pages (50,000 users) in, by following next_cursor.
    let deep = '';
    for (let page = 0; page < 1_000; page++) deep = String((await get(`?limit=50${deep ? `&cursor=${deep}` : ''}`)).next_cursor);
    const pick = (i: number) => seed[(i * 7919) % seed.length]!;
    const exact = await timed(SAMPLES, async (i) => void (await get(`?username=${pick(i).username}`)));
    const rows: Array<[string, { p50: number; p95: number }]> = [
      ['first page (50)', await timed(SAMPLES, async () => void (await get('?limit=50')))],
      ['page 1,001 (cursor, 50)', await timed(SAMPLES, async () => void (await get(`?limit=50&cursor=${deep}`)))],
      ['username prefix, 2 chars (50 of ~6,000)', await timed(SAMPLES, async (i) => void (await get(`?query=${pick(i).username.slice(0, 2)}&limit=50`)))],
      ['username prefix, 5 chars', await timed(SAMPLES, async (i) => void (await get(`?query=${pick(i).username.slice(0, 5)}&limit=50`)))],
      ['e-mail prefix (name@)', await timed(SAMPLES, async (i) => void (await get(`?query=${encodeURIComponent(pick(i).email.split('@')[0]!)}%40&limit=50`)))],
    ];
    return [
      [`${name}: exact username (baseline)`, fmt(exact.p50, 2), fmt(exact.p95, 2), '1.00x'],
      ...rows.map(([label, t]) => [`${name}: ${label}`, fmt(t.p50, 2), fmt(t.p95, 2), ratio(t.p95, exact.p95)]),
    ];
  } finally {
    await service.close();
    await close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const seed = people(USERS);
const rows = [...(await measure('memory', seed, () => memoryStore(seed))), ...(await measure('embedded', seed, () => embeddedStore(seed)))];
if (process.env.MONGODB_URI) rows.push(...(await measure('mongo', seed, () => mongoStore(seed, process.env.MONGODB_URI!))));
printTable(
  `Admin list and search: ${fmt(USERS)} users, ${SAMPLES} sequential requests per row over HTTP (ms)`,
  ['store: request', 'p50', 'p95', 'p95 vs exact'],
  rows,
  ['target: p95 < 100 ms for every row', process.env.MONGODB_URI ? '' : 'mongo: not run (no MONGODB_URI)'].filter(Boolean),
);
