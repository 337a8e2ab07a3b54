import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChild, type BenchChild } from './children.js';
import type { GatewayChildArgs } from './gateway-child.js';
import type { BenchIssuer } from './issuer.js';
import { median, pairedRatio } from './load.js';
import { startBenchNginx, type BenchNginx } from './nginx-process.js';
import { benchHeaders } from './proxy-bench.js';
import { fmt, printTable } from './table.js';
import { threadTimes, type ThreadTimes } from './thread-cpu.js';
import { luaScript, wrk, type WrkResult } from './wrk-bench.js';

/**
 * Issue 27's edge benchmark (`BENCH_ONLY=edge`, needs nginx and wrk): nginx with auth_request in
 * front of the bench upstream, asking either authgate's decision port or the peer a team would
 * write (bench/fastjwt-decision-child.ts). The figure is the CPU per request of the pair (nginx's
 * process from /proc, the decider's from process.cpuUsage), measured around each wrk run; rows
 * take turns in interleaved rounds, and each row's ratio is to the peer in the same round.
 */
export interface EdgeBenchOptions {
  issuer: BenchIssuer;
  tokens: number;
  rounds: number;
  seconds: number;
  concurrency: number;
  /** Profile each decider over the measured rounds (BENCH_CPU_PROF); one .cpuprofile per row lands here. */
  cpuProfDir?: string | undefined;
  /** Another checkout (BENCH_BEFORE): its production decision port runs as one more row, in the same rounds. */
  before?: string | undefined;
}

export interface EdgeRow {
  /** The decider's .cpuprofile, when profiled. */
  profile?: string;
  name: string;
  pairUs: number;
  deciderUs: number;
  /** Of deciderUs: the decider's main thread (the event loop), from /proc schedstat; the rest is GC helpers, JIT and libuv. */
  deciderMainUs: number;
  nginxUs: number;
  roundRatio: number;
  roundRatioInterval: [number, number];
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
}

interface Row {
  name: string;
  script: string;
  args: unknown;
  path: string;
}

const PATH = '/api/notes/bench?limit=20';

export async function runEdgeBench(options: EdgeBenchOptions): Promise<EdgeRow[]> {
  const { issuer, audience, publicPem } = options.issuer;
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-edge-'));
  const script = path.join(dir, 'tokens.lua');
  writeFileSync(script, luaScript(benchHeaders(options.issuer, options.tokens)));
  const upstream = await startChild('upstream-child.ts', {});
  const gateway = (logLevel: 'info' | 'silent', metrics: boolean): GatewayChildArgs => ({ upstreamUrl: upstream.url, issuer, logLevel, metrics, announce: 'decision' });
  const rows: Row[] = [
    { name: 'peer: nginx + fast-jwt auth_request endpoint (node:http, cached)', script: 'fastjwt-decision-child.ts', args: { issuer, audience, publicPem }, path: '/auth' },
    { name: 'nginx + authgate decision port, info logs + metrics (production)', script: 'gateway-child.ts', args: gateway('info', true), path: '/decide/auth-request' },
    { name: 'nginx + authgate decision port, silent, no metrics', script: 'gateway-child.ts', args: gateway('silent', false), path: '/decide/auth-request' },
  ];
  if (options.before) {
    const script = pathToFileURL(path.join(path.resolve(options.before), 'bench', 'gateway-child.ts')).href;
    rows.splice(2, 0, { ...rows[1]!, name: `${rows[1]!.name}, before: ${options.before}`, script });
  }
  const running: Array<{ row: Row; decider: BenchChild; nginx: BenchNginx; pair: number[]; decider_: number[]; deciderMain: number[]; nginx_: number[]; results: WrkResult[] }> = [];
  try {
    for (const row of rows) {
      const decider = await startChild(row.script, row.args);
      const nginx = await startBenchNginx(new URL(upstream.url).host, new URL(decider.url).host, row.path);
      running.push({ row, decider, nginx, pair: [], decider_: [], deciderMain: [], nginx_: [], results: [] });
    }
    for (const run of running) await wrk(run.nginx.url + PATH, script, options.concurrency, 2);
    if (options.cpuProfDir) for (const run of running) await run.decider.profileStart();
    for (let round = 0; round < options.rounds; round++) {
      process.stderr.write(`  edge: round ${round + 1}/${options.rounds}\n`);
      for (const run of running) {
        const [deciderBefore, nginxBefore, threadsBefore] = [await run.decider.cpuMicros(), run.nginx.cpuMicros(), threadTimes(run.decider.pid)];
        const result = await wrk(run.nginx.url + PATH, script, options.concurrency, options.seconds);
        const [deciderAfter, nginxAfter, threadsAfter] = [await run.decider.cpuMicros(), run.nginx.cpuMicros(), threadTimes(run.decider.pid)];
        const requests = Math.max(1, result.requests);
        run.decider_.push((deciderAfter - deciderBefore) / requests);
        run.deciderMain.push(mainThreadUs(run.decider.pid, threadsBefore, threadsAfter) / requests);
        run.nginx_.push((nginxAfter - nginxBefore) / requests);
        run.pair.push((deciderAfter - deciderBefore + nginxAfter - nginxBefore) / requests);
        run.results.push(result);
      }
    }
    if (options.cpuProfDir) {
      for (const [i, run] of running.entries()) await run.decider.profileStop(path.join(options.cpuProfDir, `edge-${i}.cpuprofile`));
    }
  } finally {
    await Promise.all(running.flatMap((run) => [run.decider.stop(), run.nginx.stop()]));
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const peer = running[0]!;
  return running.map((run, i) => {
    const paired = pairedRatio(run.pair, peer.pair);
    const requests = run.results.reduce((sum, result) => sum + result.requests, 0);
    const seconds = run.results.reduce((sum, result) => sum + result.seconds, 0);
    return {
      name: run.row.name,
      pairUs: median(run.pair),
      deciderUs: median(run.decider_),
      deciderMainUs: median(run.deciderMain),
      nginxUs: median(run.nginx_),
      roundRatio: paired.median,
      roundRatioInterval: paired.interval,
      requestsPerSecond: requests / seconds,
      p99Ms: median(run.results.map((result) => result.p99Ms)),
      errors: run.results.reduce((sum, result) => sum + result.errors, 0),
      ...(options.cpuProfDir ? { profile: path.join(options.cpuProfDir, `edge-${i}.cpuprofile`) } : {}),
    };
  });
}

/** µs the main thread (tid = pid) ran between two snapshots. */
function mainThreadUs(pid: number, before: ThreadTimes, after: ThreadTimes): number {
  return ((after.get(pid)?.runNs ?? 0) - (before.get(pid)?.runNs ?? 0)) / 1000;
}

export function printEdgeTable(rows: EdgeRow[], options: Omit<EdgeBenchOptions, 'issuer'>): void {
  printTable(
    `E. nginx auth_request: authgate's decision port against a fast-jwt peer, CPU per request of the pair (wrk, ${options.concurrency} connections, ${options.rounds} interleaved rounds x ${options.seconds} s, ${fmt(options.tokens)} users' tokens)`,
    ['row', 'µs CPU/req (pair)', 'decider', 'its main thread', 'nginx', 'per round vs peer (95%)', 'req/s', 'p99 ms', 'errors'],
    rows.map((row) => [
      row.name,
      fmt(row.pairUs, 1),
      fmt(row.deciderUs, 1),
      fmt(row.deciderMainUs, 1),
      fmt(row.nginxUs, 1),
      `${row.roundRatio.toFixed(2)}x (${row.roundRatioInterval[0].toFixed(2)}-${row.roundRatioInterval[1].toFixed(2)})`,
      fmt(row.requestsPerSecond),
      fmt(row.p99Ms, 2),
      String(row.errors),
    ]),
    [
      'Target (issue 27): the pair with authgate not above the pair with the peer (per round <= 1.00x). nginx CPU has 10 ms resolution per reading.',
      'its main thread: the decider\'s event loop thread alone (/proc schedstat); the rest of "decider" is V8\'s GC helpers and compiler threads and libuv.',
    ],
  );
}
