import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild, type BenchChild } from './children.js';
import type { BenchIssuer } from './issuer.js';
import { median, pairedRatio } from './load.js';
import { benchHeaders, childScript, figureCells, FIGURE_COLUMNS, variantArgs, type ProxyFigures, type Variant } from './proxy-bench.js';
import { fmt, printTable } from './table.js';

/**
 * Table 1 again with the load from outside: `wrk` (C, one thread) instead of the bench's own
 * Node load generator, the way the issue's figures were taken. The proxy gets the cores the Node
 * load generator would have used, so it runs at a higher rate than in table 1; the rows and the
 * CPU count (the proxy child's `process.cpuUsage()` around each wrk run) are the same. Rounds
 * interleave the rows. The tracing row is left out (its cost is table 1's business).
 */
export interface WrkBenchOptions {
  issuer: BenchIssuer;
  tokens: number;
  rounds: number;
  /** Length of one row's wrk run per round. */
  seconds: number;
  concurrency: number;
  variants: Variant[];
}

/** p50Ms / p99Ms: medians over rounds of wrk's own percentiles. */
export interface WrkRow extends ProxyFigures {
  name: string;
  /** Socket errors, timeouts and non-2xx answers, over all rounds. */
  errors: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Of `errors`: answers other than 2xx/3xx, and socket errors and timeouts. */
  non2xx: number;
  socketErrors: number;
}

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export async function runWrkBench(options: WrkBenchOptions): Promise<WrkRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-wrk-'));
  const script = path.join(dir, 'tokens.lua');
  writeFileSync(script, luaScript(benchHeaders(options.issuer, options.tokens)));
  const upstream = await startChild('upstream-child.ts', {});
  const variants = options.variants.filter((variant) => !variant.tracing);
  const running: Array<{ variant: Variant; child: BenchChild; cpu: number[]; results: WrkResult[] }> = [];
  try {
    for (const variant of variants) {
      const child = await startChild(childScript(variant), variantArgs(variant, upstream.url, options.issuer));
      running.push({ variant, child, cpu: [], results: [] });
    }
    // Warm-up: JIT, keep-alive sockets both sides, the gateway's JWKS and token cache.
    for (const run of running) await wrk(run.child.url + run.variant.path, script, options.concurrency, 2);
    for (let round = 0; round < options.rounds; round++) {
      process.stderr.write(`  wrk: round ${round + 1}/${options.rounds}\n`);
      for (const run of running) {
        const before = await run.child.cpuMicros();
        const result = await wrk(run.child.url + run.variant.path, script, options.concurrency, options.seconds);
        const after = await run.child.cpuMicros();
        run.cpu.push((after - before) / Math.max(1, result.requests));
        run.results.push(result);
      }
    }
  } finally {
    await Promise.all([...running.map((run) => run.child.stop()), upstream.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
  const base = running[0]!;
  return running.map((run) => {
    const paired = pairedRatio(run.cpu, base.cpu);
    const requests = run.results.reduce((sum, result) => sum + result.requests, 0);
    const seconds = run.results.reduce((sum, result) => sum + result.seconds, 0);
    return {
      name: run.variant.name,
      cpuUsPerRequest: median(run.cpu),
      roundRatio: paired.median,
      roundRatioInterval: paired.interval,
      requestsPerSecond: requests / seconds,
      p50Ms: median(run.results.map((result) => result.p50Ms)),
      p99Ms: median(run.results.map((result) => result.p99Ms)),
      errors: run.results.reduce((sum, result) => sum + result.errors, 0),
    };
  });
}

/** A wrk script that sends the users' header sets round robin, one per request. */
export function luaScript(headerSets: Record<string, string>[]): string {
  const sets = headerSets.map((headers) => `{${Object.entries(headers).map(([name, value]) => `[${JSON.stringify(name)}]=${JSON.stringify(value)}`).join(',')}}`);
  return [
    `local sets = {\n${sets.join(',\n')}\n}`,
    'local i = 0',
    'request = function()',
    '  i = i % #sets + 1',
    '  return wrk.format("GET", nil, sets[i])',
    'end',
    '',
  ].join('\n');
}

export function wrk(url: string, script: string, connections: number, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    // One thread: the machine has two cores, and the proxy and the upstream need them.
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const done = /(\d+) requests in ([\d.]+)(m?s)/.exec(out);
      if (code !== 0 || done === null) return reject(new Error(`wrk ${url} failed (exit ${code}): ${out}`));
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const socket = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      resolve({
        requests: Number(done[1]),
        seconds: Number(done[2]) / (done[3] === 'ms' ? 1000 : 1),
        p50Ms: percentileMs(out, '50'),
        p99Ms: percentileMs(out, '99'),
        errors: non2xx + socket,
        non2xx,
        socketErrors: socket,
      });
    });
  });
}

/** A line of wrk's "Latency Distribution" (`  99%    5.12ms`), in ms. */
function percentileMs(out: string, percent: string): number {
  const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

export function printWrkTable(rows: WrkRow[], options: Pick<WrkBenchOptions, 'rounds' | 'seconds' | 'concurrency' | 'tokens'>): void {
  const base = rows[0];
  if (base === undefined) return;
  printTable(
    `1c. Proxy CPU per request, load from wrk (one C thread, ${options.concurrency} keep-alive connections; median of ${options.rounds} interleaved rounds x ${options.seconds} s; ${fmt(options.tokens)} users' tokens round robin)`,
    ['variant', 'µs CPU/req', ...FIGURE_COLUMNS, 'errors'],
    rows.map((row) => [row.name, fmt(row.cpuUsPerRequest, 1), ...figureCells(row, base), String(row.errors)]),
    [
      'Same rows and CPU count as table 1; the load generator is wrk, outside Node. p50/p99: wrk\'s, closed loop, median over rounds.',
      'errors: socket errors, timeouts and non-2xx answers; any at all means a row\'s figures are not to be trusted.',
    ],
  );
}
