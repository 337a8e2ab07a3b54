import { closeSync, openSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChild, type BenchChild } from './children.js';
import type { GatewayChildArgs } from './gateway-child.js';
import type { BenchIssuer } from './issuer.js';
import { startOtlpSink, type OtlpSink } from './otlp-sink.js';
import { median, pairedRatio, quantile, runLoad } from './load.js';
import { runOpenLoop } from './open-loop.js';
import { fmt, printTable, ratio } from './table.js';

export interface ProxyBenchOptions {
  issuer: BenchIssuer;
  /** Requests per measured batch; one batch per variant per round. */
  requests: number;
  rounds: number;
  warmupRequests: number;
  concurrency: number;
  /** Distinct users' tokens sent round robin (the gateway's token cache holds them all, as in production). */
  tokens: number;
  /** Cap per batch, so a slow machine still finishes. */
  maxBatchMs: number;
  /** Write the production gateway's log lines to this file instead of /dev/null. */
  logFile?: string | undefined;
  /** Profile every proxy child over the measured rounds; one .cpuprofile per variant lands in this directory. */
  cpuProfDir?: string | undefined;
  /** Rounds of the fixed-rate phase (latency at the same offered load); 0 skips it. */
  fixedRateRounds: number;
  /** Length of each variant's turn in a fixed-rate round. */
  fixedRateMs: number;
  /** The rows to run (selectVariants). */
  variants: Variant[];
}

export interface Variant {
  name: string;
  script: 'baseline-proxy-child.ts' | 'undici-floor-child.ts' | 'fastify-peer-child.ts' | 'gateway-child.ts' | 'express-mount-child.ts';
  path: string;
  gateway?: Pick<GatewayChildArgs, 'logLevel' | 'metrics' | 'redisUrl'>;
  /** OpenTelemetry on, exporting to the bench's discarding OTLP sink (every request sampled). */
  tracing?: boolean;
  /** Run this checkout's copy of the child (BENCH_BEFORE): an older version side by side with this one. */
  checkout?: string;
  /** The production-like variant: its logs may go to a file. */
  production?: boolean;
}

export interface ProxyRow {
  name: string;
  cpuUsPerRequest: number;
  cpuSpread: [number, number];
  /**
   * This row's CPU per request over the baseline's in the same round, one ratio per round: their
   * median. The rounds interleave the rows, so a round the machine slowed down slows the baseline
   * too and the pair's ratio keeps; a ratio of two medians can pair a fast round with a slow one.
   */
  roundRatio: number;
  /** A 95 % interval for that median (medianInterval); with under 6 rounds, their whole range. */
  roundRatioInterval: [number, number];
  /**
   * The same, over this checkout's production row instead of the baseline (table 1d): what a
   * route feature costs on top of production, without the baseline's own noise in the figure.
   */
  vsProduction?: { median: number; interval: [number, number] };
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  /**
   * Latency at the same offered load for every variant (the fixed-rate phase), when it ran.
   * p99Ms is the median of the rounds' p99s (one stalled round on a shared VM would otherwise be
   * the whole figure), p99SpreadMs their range, p99RoundRatio the median over rounds of this row's
   * p99 over the baseline's in the same round.
   */
  fixedRate?: { ratePerSecond: number; p50Ms: number; p99Ms: number; p99SpreadMs: [number, number]; p99RoundRatio: number; failed: number };
}

export const REQUEST_PATH_AUTH = '/api/notes/bench?limit=20';
const REQUEST_PATH_PUBLIC = '/public/bench?limit=20';
export const REQUEST_PATH_LIMITED = '/limited/notes/bench?limit=20';
/** The Redis of the shared rate-limit row (BENCH_REDIS_URL); that row needs one. */
const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
export const REQUEST_PATH_STEP_UP = '/step-up/notes/bench?limit=20';

export const VARIANTS: Variant[] = [
  { name: 'baseline: bare node:http keep-alive proxy', script: 'baseline-proxy-child.ts', path: REQUEST_PATH_AUTH },
  { name: 'floor: bare node:http server + undici Pool upstream', script: 'undici-floor-child.ts', path: REQUEST_PATH_AUTH },
  { name: 'peer: fastify + @fastify/http-proxy + fast-jwt (cached)', script: 'fastify-peer-child.ts', path: REQUEST_PATH_AUTH },
  { name: 'gateway, auth: none route, silent, no metrics', script: 'gateway-child.ts', path: REQUEST_PATH_PUBLIC, gateway: { logLevel: 'silent', metrics: false } },
  { name: 'gateway, auth: required (cache hit), silent, no metrics', script: 'gateway-child.ts', path: REQUEST_PATH_AUTH, gateway: { logLevel: 'silent', metrics: false } },
  { name: 'gateway, auth: required (cache hit), silent, no metrics, tracing on (OTLP to a discarding sink)', script: 'gateway-child.ts', path: REQUEST_PATH_AUTH, gateway: { logLevel: 'silent', metrics: false }, tracing: true },
  { name: 'gateway, auth: required, silent + metrics', script: 'gateway-child.ts', path: REQUEST_PATH_AUTH, gateway: { logLevel: 'silent', metrics: true } },
  { name: 'gateway, auth: required, info logs + metrics (production)', script: 'gateway-child.ts', path: REQUEST_PATH_AUTH, gateway: { logLevel: 'info', metrics: true }, production: true },
  { name: 'gateway, production, rate-limited route (per user, budgets in this process)', script: 'gateway-child.ts', path: REQUEST_PATH_LIMITED, gateway: { logLevel: 'info', metrics: true } },
  { name: 'gateway, production, rate-limited route (per user, shared through Redis)', script: 'gateway-child.ts', path: REQUEST_PATH_LIMITED, gateway: { logLevel: 'info', metrics: true, redisUrl: BENCH_REDIS_URL } },
  // Issue 25: the same route with RFC 9470 step-up (acr: mfa, max_age); the pair shows what the check costs.
  { name: 'gateway, step-up route (acr: mfa, max_age), info logs + metrics (production)', script: 'gateway-child.ts', path: REQUEST_PATH_STEP_UP, gateway: { logLevel: 'info', metrics: true } },
  { name: 'express mount: authgateProxy (express + http-proxy-middleware), silent, no metrics', script: 'express-mount-child.ts', path: REQUEST_PATH_AUTH },
  { name: 'baseline, second process (noise check)', script: 'baseline-proxy-child.ts', path: REQUEST_PATH_AUTH },
];

/**
 * The rows `BENCH_ROWS` asks for: those whose name contains one of its comma-separated parts (any
 * case), and always the baseline first, since every ratio is to it. All rows when unset. With
 * `before` (BENCH_BEFORE, another checkout of this repository with its dependencies installed),
 * that checkout's production gateway runs as one more row after this one's (or, with `beforeRows`,
 * BENCH_BEFORE_ROWS, each row whose name contains one of its parts): before/after pairs measured
 * in the same interleaved rounds, rather than in two runs the machine may treat apart.
 */
export function selectVariants(filter: string | undefined, before?: string, beforeRows?: string): Variant[] {
  const partsOf = (list: string | undefined) => (list ?? '').split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== '');
  const parts = partsOf(filter);
  const rows = parts.length === 0 ? VARIANTS : VARIANTS.filter((variant, index) => index === 0 || parts.some((part) => variant.name.toLowerCase().includes(part)));
  if (before === undefined || before === '') return rows;
  // Which rows get a twin from the other checkout: those BENCH_BEFORE_ROWS names, else the production row.
  const twinParts = partsOf(beforeRows);
  const twinned = (variant: Variant, index: number) =>
    index > 0 && (twinParts.length === 0 ? variant.production === true : twinParts.some((part) => variant.name.toLowerCase().includes(part)));
  return rows.flatMap((variant) => {
    if (!twinned(variant, VARIANTS.indexOf(variant))) return [variant];
    return [variant, { ...variant, name: `${variant.name}, before: ${before}`, checkout: path.resolve(before) }];
  });
}

/** The child's module: this checkout's bench/<script>, or the same file of the variant's checkout. */
export function childScript(variant: Variant): string {
  return variant.checkout === undefined ? variant.script : pathToFileURL(path.join(variant.checkout, 'bench', variant.script)).href;
}

interface Running {
  variant: Variant;
  child: BenchChild;
  agent: http.Agent;
  cpuPerRequest: number[];
  latencies: Float64Array[];
  completed: number;
  failed: number;
  wallMs: number;
  fixedRate: { latencies: Float64Array[]; failed: number; ratePerSecond?: number };
}

/**
 * Gateway CPU per proxied request against a bare keep-alive proxy, each in its own process, same
 * upstream (its own process too), same load from this process. Variants are measured in
 * interleaved rounds, so drift (thermal, noisy neighbours) hits them all alike. The gateway
 * variants form a ladder: the difference between two rows is what one layer costs.
 */
export interface VariantProfile {
  name: string;
  file: string;
}

export async function runProxyBench(options: ProxyBenchOptions): Promise<{ rows: ProxyRow[]; profiles: VariantProfile[] }> {
  // Same tokens, same headers for every variant: the baselines carry the same bytes, they just ignore them.
  const headers = benchHeaders(options.issuer, options.tokens);
  const upstream = await startChild('upstream-child.ts', {});
  const sink = await startOtlpSink();
  const running: Running[] = [];
  const profiles: VariantProfile[] = [];
  try {
    for (const variant of options.variants) running.push(await start(variant, upstream.url, options, sink));
    for (const run of running) {
      // Warm-up: JIT, keep-alive sockets both sides, the gateway's JWKS and token cache.
      await runLoad({ url: run.child.url, path: run.variant.path, headers, concurrency: options.concurrency, agent: run.agent, requests: options.warmupRequests, maxMs: options.maxBatchMs });
    }
    if (options.cpuProfDir) for (const run of running) await run.child.profileStart();
    for (let round = 0; round < options.rounds; round++) {
      process.stderr.write(`  proxy: round ${round + 1}/${options.rounds}\n`);
      for (const run of running) {
        const before = await run.child.cpuMicros();
        const result = await runLoad({ url: run.child.url, path: run.variant.path, headers, concurrency: options.concurrency, agent: run.agent, requests: options.requests, maxMs: options.maxBatchMs });
        const after = await run.child.cpuMicros();
        run.cpuPerRequest.push((after - before) / Math.max(1, result.completed));
        run.latencies.push(result.latenciesUs);
        run.completed += result.completed;
        run.failed += result.failed;
        run.wallMs += result.wallMs;
      }
    }
    if (options.fixedRateRounds > 0) await measureAtFixedRate(running, headers, options);
    if (options.cpuProfDir) {
      for (const [index, run] of running.entries()) {
        const file = `${options.cpuProfDir}/${index}-${run.variant.name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}.cpuprofile`;
        await run.child.profileStop(file);
        profiles.push({ name: run.variant.name, file });
      }
    }
  } finally {
    for (const run of running) run.agent.destroy();
    await Promise.all([...running.map((run) => run.child.stop()), upstream.stop()]);
    await sink.close();
  }
  // A traced row whose spans never left the process would measure less than tracing costs.
  if (options.variants.some((variant) => variant.tracing) && sink.exports() === 0) throw new Error('the traced gateway exported nothing to the OTLP sink');
  const base = running[0]!;
  const production = running.find((run) => run.variant.production === true && run.variant.checkout === undefined);
  return { rows: running.map((run) => toRow(run, base, production)), profiles };
}

async function start(variant: Variant, upstreamUrl: string, options: ProxyBenchOptions, sink: OtlpSink): Promise<Running> {
  const logFd = variant.production && options.logFile ? openSync(options.logFile, 'a') : undefined;
  try {
    const child = await startChild(childScript(variant), variantArgs(variant, upstreamUrl, options.issuer, sink), logFd !== undefined ? { stdout: logFd } : {});
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    return { variant, child, agent, cpuPerRequest: [], latencies: [], completed: 0, failed: 0, wallMs: 0, fixedRate: { latencies: [], failed: 0 } };
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
}

/**
 * The closed loop gives each proxy as much load as it can take, so its p99 is measured at a
 * different request rate for each row. Here every variant is offered the same rate (half of what
 * the bare proxy served in the closed loop), on a fixed schedule whatever the answers do, in
 * interleaved rounds: "p99 at the same load". Latency counts from each request's scheduled start.
 */
async function measureAtFixedRate(running: Running[], headers: Record<string, string>[], options: ProxyBenchOptions): Promise<void> {
  const base = running[0]!;
  const ratePerSecond = Math.max(100, Math.round(((base.completed / base.wallMs) * 1000 * 0.5) / 100) * 100);
  for (const run of running) run.fixedRate.ratePerSecond = ratePerSecond;
  for (let round = 0; round < options.fixedRateRounds; round++) {
    process.stderr.write(`  proxy: fixed rate ${ratePerSecond}/s, round ${round + 1}/${options.fixedRateRounds}\n`);
    for (const run of running) {
      const result = await runOpenLoop({ url: run.child.url, path: run.variant.path, headers, ratePerSecond, maxMs: options.fixedRateMs, maxInFlight: 256, agent: run.agent });
      run.fixedRate.latencies.push(result.latenciesUs);
      run.fixedRate.failed += result.failed;
    }
  }
}

/** The JSON arguments of a variant's child process. */
export function variantArgs(variant: Variant, upstreamUrl: string, benchIssuer: BenchIssuer, sink?: OtlpSink): unknown {
  const { issuer, audience, publicPem } = benchIssuer;
  if (variant.script === 'gateway-child.ts') return { upstreamUrl, issuer, ...variant.gateway, ...(variant.tracing && sink ? { otlpEndpoint: sink.url } : {}) } as GatewayChildArgs;
  if (variant.script === 'fastify-peer-child.ts') return { upstreamUrl, issuer, audience, publicPem };
  if (variant.script === 'express-mount-child.ts') return { upstreamUrl, issuer, audience, jwksUri: benchIssuer.jwksUri };
  return { upstreamUrl };
}

/** The tokens every variant is sent, one set of headers per user, the same bytes for all. */
export function benchHeaders(benchIssuer: BenchIssuer, tokens: number): Record<string, string>[] {
  return Array.from({ length: tokens }, (_, i) => ({ authorization: `Bearer ${benchIssuer.sign(`user-${i}`)}`, accept: 'application/json', 'user-agent': 'authgate-bench' }));
}

function toRow(run: Running, base: Running, production: Running | undefined): ProxyRow {
  const paired = pairedRatio(run.cpuPerRequest, base.cpuPerRequest);
  const overProduction = production !== undefined && run !== production && run !== base ? pairedRatio(run.cpuPerRequest, production.cpuPerRequest) : undefined;
  const all = sortedTogether(run.latencies);
  const fixed = sortedTogether(run.fixedRate.latencies);
  const ratePerSecond = run.fixedRate.ratePerSecond;
  return {
    name: run.variant.name,
    cpuUsPerRequest: median(run.cpuPerRequest),
    cpuSpread: [Math.min(...run.cpuPerRequest), Math.max(...run.cpuPerRequest)],
    roundRatio: paired.median,
    roundRatioInterval: paired.interval,
    ...(overProduction ? { vsProduction: overProduction } : {}),
    requestsPerSecond: (run.completed / run.wallMs) * 1000,
    p50Ms: quantile(all, 0.5) / 1000,
    p99Ms: quantile(all, 0.99) / 1000,
    failed: run.failed,
    ...(ratePerSecond !== undefined && fixed.length > 0
      ? { fixedRate: { ratePerSecond, p50Ms: quantile(fixed, 0.5) / 1000, ...roundP99s(run.fixedRate.latencies, base.fixedRate.latencies), failed: run.fixedRate.failed } }
      : {}),
  };
}

/** Each round's p99 (rounds are sorted already): their median, their range, and the median of their ratios to the baseline's p99 of the same round. */
function roundP99s(rounds: Float64Array[], baseRounds: Float64Array[]): { p99Ms: number; p99SpreadMs: [number, number]; p99RoundRatio: number } {
  const p99 = (round: Float64Array | undefined) => (round !== undefined && round.length > 0 ? quantile(round, 0.99) / 1000 : Number.NaN);
  const p99s = rounds.map(p99).filter(Number.isFinite);
  const paired = pairedRatio(rounds.map(p99), baseRounds.map(p99));
  return { p99Ms: median(p99s), p99SpreadMs: [Math.min(...p99s), Math.max(...p99s)], p99RoundRatio: paired.median };
}

function sortedTogether(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all.sort();
}

/** Latency at the same offered load (the fixed-rate phase), when it ran. */
export function printFixedRateTable(rows: ProxyRow[], options: Pick<ProxyBenchOptions, 'fixedRateRounds' | 'fixedRateMs' | 'tokens'>): void {
  const base = rows[0]?.fixedRate;
  if (base === undefined) return;
  printTable(
    `1a. Latency at the same offered load (${fmt(base.ratePerSecond)} requests/s to every proxy: half the bare proxy's closed-loop rate; open loop, ${options.fixedRateRounds} interleaved rounds x ${fmt(options.fixedRateMs / 1000, 1)} s; ${fmt(options.tokens)} users' tokens round robin)`,
    ['variant', 'p50 ms', 'p99 ms', 'rounds\' p99 min-max', 'p99 vs baseline', 'per round', 'failed or shed'],
    rows.map((row) => {
      const fixed = row.fixedRate;
      if (fixed === undefined) return [row.name, '', '', '', '', '', ''];
      return [row.name, fmt(fixed.p50Ms, 2), fmt(fixed.p99Ms, 2), `${fmt(fixed.p99SpreadMs[0], 1)}-${fmt(fixed.p99SpreadMs[1], 1)}`, ratio(fixed.p99Ms, base.p99Ms), `${fmt(fixed.p99RoundRatio, 2)}x`, String(fixed.failed)];
    }),
    [
      'Latency from each request\'s scheduled start (no coordinated omission); the load generator, proxy and upstream share the cores.',
      'p99 ms: the median of the rounds\' p99s, so one round stalled by the machine does not decide it; compare against the noise-check row.',
      'per round: the median over rounds of this row\'s p99 over the baseline\'s p99 in the same round.',
    ],
  );
}

/** What tables 1 and 1c both report per row, against the baseline row of the same run. */
export type ProxyFigures = Pick<ProxyRow, 'cpuUsPerRequest' | 'roundRatio' | 'roundRatioInterval' | 'requestsPerSecond' | 'p50Ms' | 'p99Ms'>;

export const FIGURE_COLUMNS = ['vs baseline', 'per round', '95% interval', 'req/s', 'vs baseline', 'p50 ms', 'p99 ms'];

/** The FIGURE_COLUMNS cells of one row. */
export function figureCells(row: ProxyFigures, base: ProxyFigures): string[] {
  return [
    ratio(row.cpuUsPerRequest, base.cpuUsPerRequest),
    `${fmt(row.roundRatio, 2)}x`,
    `${fmt(row.roundRatioInterval[0], 2)}-${fmt(row.roundRatioInterval[1], 2)}`,
    fmt(row.requestsPerSecond),
    ratio(row.requestsPerSecond, base.requestsPerSecond),
    fmt(row.p50Ms, 2),
    fmt(row.p99Ms, 2),
  ];
}

export function printProxyTable(rows: ProxyRow[], options: Pick<ProxyBenchOptions, 'requests' | 'rounds' | 'concurrency' | 'tokens' | 'logFile' | 'cpuProfDir'>): void {
  const base = rows[0];
  if (base === undefined) return;
  printTable(
    `1. Proxy CPU per request (proxy process CPU; median of ${options.rounds} interleaved rounds x ${fmt(options.requests)} requests; ${options.concurrency} keep-alive connections; ${fmt(options.tokens)} users' tokens round robin; GET, ~200 B JSON response)`,
    ['variant', 'µs CPU/req', 'min-max', ...FIGURE_COLUMNS, 'errors'],
    rows.map((row) => [row.name, fmt(row.cpuUsPerRequest, 1), `${fmt(row.cpuSpread[0], 0)}-${fmt(row.cpuSpread[1], 0)}`, ...figureCells(row, base), String(row.failed)]),
    [
      'µs CPU/req: user+system CPU of the proxy process alone (all its threads, GC included); load generator and upstream are other processes.',
      'per round: the median of this row\'s CPU/req over the baseline\'s in the same round (rounds interleave the rows, so drift cancels); 95% interval: where that median lies, from the rounds\' spread (order statistics; 6+ rounds).',
      'req/s, p50, p99: closed loop; load generator, proxy and upstream share the cores, so these compare rows, not machines.',
      `production row: one pino line per request at info, to ${options.logFile ?? '/dev/null'} (a pipe to a log shipper costs more); metrics as gateway/main.ts; no Redis.`,
      ...(options.cpuProfDir ? ['PROFILED RUN: every proxy ran under the V8 sampling profiler, so CPU figures are inflated; read the profiles for where, not how much.'] : []),
    ],
  );
}

/** Table 1d: each gateway row's CPU per request over the production row's, round by round (when both ran). */
export function printAgainstProductionTable(rows: ProxyRow[], options: Pick<ProxyBenchOptions, 'rounds'>): void {
  const compared = rows.filter((row) => row.vsProduction !== undefined);
  if (compared.length === 0) return;
  printTable(
    `1d. CPU per request over the production gateway row's (same ${options.rounds} interleaved rounds as table 1)`,
    ['variant', 'per round', '95% interval'],
    compared.map((row) => [row.name, `${fmt(row.vsProduction!.median, 3)}x`, `${fmt(row.vsProduction!.interval[0], 3)}-${fmt(row.vsProduction!.interval[1], 3)}`]),
    ['per round: the median of this row\'s CPU/req over the production row\'s in the same round: what the row\'s route feature (or version) costs on top of production, e.g. a rate limit (issue 27: within 5 %).'],
  );
}

/** Default profile directory for BENCH_CPU_PROF=1. */
export const defaultProfileDir = () => `${tmpdir()}/authgate-bench-profiles`;
