import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild, type BenchChild } from './children.js';
import type { GatewayChildArgs } from './gateway-child.js';
import type { BenchIssuer } from './issuer.js';
import { median } from './load.js';
import { fmt, printTable } from './table.js';
import { luaScript, wrk } from './wrk-bench.js';

/**
 * How far two gateway replicas sharing one budget through Redis go past it (`BENCH_ONLY=overshoot`,
 * needs wrk and Redis at BENCH_REDIS_URL): each replica gets its own wrk (one user's token, so
 * every request spends one budget) for `seconds`, both at once; the budget (`/limited/notes`,
 * `limit` per hour) runs out within the first fraction of a second and the rest are 429. Granted
 * = 2xx answers of both wrk runs; overshoot = granted - limit. docs/edge.md states the bound.
 */
export interface OvershootOptions {
  issuer: BenchIssuer;
  seconds: number;
  concurrency: number;
  trials: number;
}

export interface OvershootRow {
  limit: number;
  replicas: number;
  granted: number[];
  requests: number;
  socketErrors: number;
}

/** Budgets tried (BENCH_OVERSHOOT_LIMITS, comma-separated): each must run out within the first second of a trial. */
const LIMITS = (process.env.BENCH_OVERSHOOT_LIMITS || '50,200,1000').split(',').map(Number);
const PATH = '/limited/notes/bench?limit=20';
const REPLICAS = 2;

export async function runOvershootBench(options: OvershootOptions): Promise<OvershootRow[]> {
  const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-overshoot-'));
  const upstream = await startChild('upstream-child.ts', {});
  const rows: OvershootRow[] = [];
  try {
    for (const limit of LIMITS) {
      const prefix = `bench-overshoot:${randomUUID()}:`;
      const args: GatewayChildArgs = { upstreamUrl: upstream.url, issuer: options.issuer.issuer, logLevel: 'silent', metrics: false, redisUrl, redisKeyPrefix: prefix, limitedRequests: limit };
      const replicas: BenchChild[] = [];
      try {
        for (let i = 0; i < REPLICAS; i++) replicas.push(await startChild('gateway-child.ts', args));
        // Each replica has counted the others (heartbeat once a second) before the load starts.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const row: OvershootRow = { limit, replicas: REPLICAS, granted: [], requests: 0, socketErrors: 0 };
        for (let trial = 0; trial < options.trials; trial++) {
          process.stderr.write(`  overshoot: limit ${limit}, trial ${trial + 1}/${options.trials}\n`);
          // A user of its own per trial: a fresh budget, in a window (an hour) the trial does not cross.
          const script = path.join(dir, `trial-${limit}-${trial}.lua`);
          writeFileSync(script, luaScript([{ authorization: `Bearer ${options.issuer.sign(`overshoot-${randomUUID()}`)}` }]));
          const hour = Math.floor(Date.now() / 3_600_000);
          const results = await Promise.all(replicas.map((replica) => wrk(replica.url + PATH, script, Math.max(1, Math.floor(options.concurrency / REPLICAS)), options.seconds)));
          if (Math.floor(Date.now() / 3_600_000) !== hour) {
            trial--;
            continue;
          }
          row.granted.push(results.reduce((sum, result) => sum + result.requests - result.non2xx - result.socketErrors, 0));
          row.requests += results.reduce((sum, result) => sum + result.requests, 0);
          row.socketErrors += results.reduce((sum, result) => sum + result.socketErrors, 0);
        }
        rows.push(row);
      } finally {
        await Promise.all(replicas.map((replica) => replica.stop()));
      }
    }
  } finally {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function printOvershootTable(rows: OvershootRow[], options: Omit<OvershootOptions, 'issuer'>): void {
  printTable(
    `R. Rate-limit overshoot, ${REPLICAS} gateway replicas on one Redis, one user hammering both (wrk at each, ${options.concurrency} connections in all, ${options.seconds} s, ${options.trials} trials)`,
    ['limit / hour', 'granted per trial', 'median overshoot', 'worst overshoot', 'bound (N-1)·⌊limit/N⌋', 'requests', 'socket errors'],
    rows.map((row) => {
      const over = row.granted.map((granted) => granted - row.limit);
      return [
        fmt(row.limit),
        row.granted.map((granted) => fmt(granted)).join(', '),
        `${fmt(median(over))} (${fmt((median(over) / row.limit) * 100, 1)} %)`,
        `${fmt(Math.max(...over))} (${fmt((Math.max(...over) / row.limit) * 100, 1)} %)`,
        fmt((row.replicas - 1) * Math.floor(row.limit / row.replicas)),
        fmt(row.requests),
        String(row.socketErrors),
      ];
    }),
    ['granted: 2xx answers of both replicas; the rest were 429. Budgets are admitted from memory and reported to Redis every 100 ms or when a replica spent its share.'],
  );
}
