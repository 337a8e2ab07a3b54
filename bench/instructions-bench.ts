import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild } from './children.js';
import type { BenchIssuer } from './issuer.js';
import { runLoad } from './load.js';
import { benchHeaders, childScript, variantArgs, type Variant } from './proxy-bench.js';
import { fmt, printTable, ratio } from './table.js';

/**
 * Table 1 again, counted in instructions instead of CPU time: each proxy runs under valgrind's
 * callgrind, which counts every instruction its threads execute. The count for the same code and
 * load barely moves whatever else the machine does (the bare proxy's main thread ±0.1 %, the
 * gateway's ±3 % with where the JIT settles), where CPU time on a shared 2-core VM moves ±10 %
 * between runs. It cannot see syscall and cache-miss costs (the
 * kernel side of the two socket writes per request is the same for every proxy), so it is the
 * tool for telling two versions of the gateway's own code apart, and table 1 stays the figure.
 * Rows with tracing and the noise check are left out (a deterministic count needs no noise check).
 */
export interface InstructionRow {
  name: string;
  /** Instructions per request on the main (JavaScript) thread. */
  mainThread: number;
  /** Instructions per request on every other thread: GC helpers, the optimising compiler, libuv. */
  otherThreads: number;
  completed: number;
}

export interface InstructionBenchOptions {
  issuer: BenchIssuer;
  requests: number;
  /** Under valgrind the JIT needs longer to settle: instructions are counted after this many. */
  warmupRequests: number;
  concurrency: number;
  tokens: number;
  /** The rows to count (selectVariants); the tracing row and the noise check are skipped. */
  variants: Variant[];
}

export function callgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('callgrind_control', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function runInstructionBench(options: InstructionBenchOptions): Promise<InstructionRow[]> {
  const headers = benchHeaders(options.issuer, options.tokens);
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-callgrind-'));
  const upstream = await startChild('upstream-child.ts', {});
  const rows: InstructionRow[] = [];
  try {
    for (const [index, variant] of options.variants.entries()) {
      if (variant.tracing || (index > 0 && variant.script === options.variants[0]!.script)) continue;
      process.stderr.write(`  instructions: ${variant.name}\n`);
      const outFile = path.join(dir, `variant-${index}`);
      const child = await startChild(childScript(variant), variantArgs(variant, upstream.url, options.issuer), { callgrindOutFile: outFile });
      const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
      try {
        const load = (requests: number) => runLoad({ url: child.url, path: variant.path, headers, concurrency: options.concurrency, agent, requests, maxMs: 600_000 });
        await load(options.warmupRequests);
        callgrindControl('--zero', child.pid);
        const measured = await load(options.requests);
        callgrindControl('--dump=measured', child.pid);
        const { main, others } = readDump(dir, path.basename(outFile));
        rows.push({ name: variant.name, mainThread: main / measured.completed, otherThreads: others / measured.completed, completed: measured.completed });
      } finally {
        agent.destroy();
        await child.stop();
      }
    }
  } finally {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function callgrindControl(command: string, pid: number): void {
  const result = spawnSync('callgrind_control', [command, String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`callgrind_control ${command} ${pid} failed: ${result.stderr || result.stdout}`);
}

/** The first dump's per-thread files (`<name>.1-01` is the main thread): their instruction totals. */
function readDump(dir: string, name: string): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const file of readdirSync(dir)) {
    const thread = new RegExp(`^${name}\\.1-(\\d+)$`).exec(file)?.[1];
    if (thread === undefined) continue;
    const total = Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(path.join(dir, file), 'utf8'))?.[1] ?? Number.NaN);
    if (Number(thread) === 1) main += total;
    else others += total;
  }
  if (!(main > 0)) throw new Error(`no callgrind dump for ${name} in ${dir}`);
  return { main, others };
}

export function printInstructionTable(rows: InstructionRow[], options: Pick<InstructionBenchOptions, 'requests' | 'warmupRequests' | 'concurrency' | 'tokens'>): void {
  const base = rows[0];
  if (base === undefined) return;
  const total = (row: InstructionRow) => row.mainThread + row.otherThreads;
  printTable(
    `1b. Proxy instructions per request (callgrind; ${fmt(options.requests)} requests counted after ${fmt(options.warmupRequests)}; ${options.concurrency} keep-alive connections; ${fmt(options.tokens)} users' tokens round robin)`,
    ['variant', 'k instr/req', 'vs baseline', 'main thread k', 'vs baseline', 'other threads k'],
    rows.map((row) => [row.name, fmt(total(row) / 1000, 1), ratio(total(row), total(base)), fmt(row.mainThread / 1000, 1), ratio(row.mainThread, base.mainThread), fmt(row.otherThreads / 1000, 1)]),
    [
      'Counted by valgrind: the same for the same code and load on any run. Syscalls and cache misses are not in it; table 1 (CPU time) is the figure, this one tells code versions apart.',
      'other threads: GC helpers and the optimising compiler; under valgrind the JIT settles late, so part of it is compilation that a warm production process has finished.',
    ],
  );
}
