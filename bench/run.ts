import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { printArgon2Table, runArgon2Bench } from './argon2-bench.js';
import { printSecondStepTable, runSecondStepBench } from './mfa-second-step-bench.js';
import { callgrindAvailable, printInstructionTable, runInstructionBench } from './instructions-bench.js';
import { printClientAuthTable, runClientAuthBench } from './client-auth-bench.js';
import { startBenchIssuer } from './issuer.js';
import { authMainThreadProfile, printLoginStormTable, runLoginStormBench } from './login-storm-bench.js';
import { printWrkTable, runWrkBench, wrkAvailable } from './wrk-bench.js';
import { printEdgeTable, runEdgeBench } from './edge-decision-bench.js';
import { nginxAvailable } from './nginx-process.js';
import { printOvershootTable, runOvershootBench } from './rate-limit-overshoot.js';
import { printRouteCostTable, runRouteCostBench } from './route-cost-bench.js';
import { defaultProfileDir, printAgainstProductionTable, printFixedRateTable, printProxyTable, runProxyBench, selectVariants } from './proxy-bench.js';
import { summarizeProfile } from './profile-summary.js';
import { fmt } from './table.js';
import { printVerifierTable, runVerifierBench } from './verifier-bench.js';

/**
 * `npm run bench`: prints ratios against baselines measured in this same run. Not a test, not in
 * CI. Knobs (env): BENCH_ONLY=proxy,verifier,argon2,storm,client-auth,mfa (and instructions, wrk, edge, overshoot, route-cost, not in the default set)  BENCH_REQUESTS (per batch)  BENCH_ROUNDS
 * BENCH_CONCURRENCY  BENCH_TOKENS  BENCH_GATEWAY_LOG=<file>  BENCH_CPU_PROF=1|<dir>  BENCH_ROWS=<name parts>  BENCH_BEFORE=<checkout>  BENCH_BEFORE_ROWS=<name parts>  BENCH_FIXED_ROUNDS  BENCH_WRK_SECONDS. See bench/README.md.
 */
const env = process.env;
const only = new Set((env.BENCH_ONLY ?? 'proxy,verifier,argon2,storm,client-auth,mfa').split(',').map((part) => part.trim()));
const requests = positiveInt('BENCH_REQUESTS', 5_000);
const rounds = positiveInt('BENCH_ROUNDS', 7);
const concurrency = positiveInt('BENCH_CONCURRENCY', 32);
const tokens = positiveInt('BENCH_TOKENS', 1_000);
const variants = selectVariants(env.BENCH_ROWS, env.BENCH_BEFORE, env.BENCH_BEFORE_ROWS);
const cpuProfDir = env.BENCH_CPU_PROF ? (env.BENCH_CPU_PROF === '1' ? defaultProfileDir() : env.BENCH_CPU_PROF) : undefined;

function positiveInt(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const started = Date.now();
const cpu = cpus()[0];
console.log('authgate benchmarks: ratios against baselines measured in this run (not a test; numbers vary by machine)');
console.log(`machine: ${availableParallelism()} cpus (${cpu?.model.trim() ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, node ${process.version}, ${process.platform}/${process.arch}`);
console.log(`date: ${new Date().toISOString()}`);

const issuer = await startBenchIssuer();
try {
  if (only.has('proxy')) {
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    process.stderr.write('running proxy benchmark (each proxy in its own process)\n');
    const logFile = env.BENCH_GATEWAY_LOG || undefined;
    const fixedRate = { fixedRateRounds: cpuProfDir ? 0 : positiveInt('BENCH_FIXED_ROUNDS', Math.min(rounds, 5)), fixedRateMs: 2_000 };
    const { rows, profiles } = await runProxyBench({ issuer, requests, rounds, tokens, warmupRequests: Math.max(2_000, Math.round(requests / 2)), concurrency, maxBatchMs: 15_000, logFile, cpuProfDir, variants, ...fixedRate });
    printProxyTable(rows, { requests, rounds, concurrency, tokens, logFile, cpuProfDir });
    printAgainstProductionTable(rows, { rounds });
    printFixedRateTable(rows, { ...fixedRate, tokens });
    for (const profile of profiles) {
      const cpuUsPerRequest = rows.find((row) => row.name === profile.name)?.cpuUsPerRequest;
      summarizeProfile(profile.file, { title: profile.name, top: 12, ...(cpuUsPerRequest ? { cpuUsPerRequest } : {}) });
    }
  }
  if (only.has('instructions')) {
    if (!callgrindAvailable()) throw new Error('BENCH_ONLY=instructions needs valgrind (Debian package valgrind: valgrind, callgrind_control)');
    process.stderr.write('running instruction-count benchmark (each proxy under callgrind: about a minute per row)\n');
    const options = { issuer, requests: Math.min(requests, 2_000), warmupRequests: 5_000, concurrency, tokens, variants };
    printInstructionTable(await runInstructionBench(options), options);
  }
  if (only.has('wrk')) {
    if (!wrkAvailable()) throw new Error('BENCH_ONLY=wrk needs wrk (Debian package wrk)');
    process.stderr.write('running proxy benchmark with wrk as the load generator\n');
    const options = { issuer, tokens, rounds, seconds: positiveInt('BENCH_WRK_SECONDS', 3), concurrency, variants };
    printWrkTable(await runWrkBench(options), options);
  }
  if (only.has('route-cost')) {
    process.stderr.write('running route-cost benchmark (route features inside one gateway process)\n');
    const options = { tokens, rounds, requests, concurrency, redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379', before: env.BENCH_BEFORE };
    printRouteCostTable(await runRouteCostBench({ issuer, ...options }), options);
  }
  if (only.has('edge')) {
    if (!wrkAvailable() || !nginxAvailable()) throw new Error('BENCH_ONLY=edge needs wrk and nginx (Debian packages wrk, nginx)');
    process.stderr.write('running edge benchmark (nginx auth_request: decision port vs a fast-jwt peer)\n');
    const options = { tokens, rounds, seconds: positiveInt('BENCH_WRK_SECONDS', 3), concurrency };
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    const edgeRows = await runEdgeBench({ issuer, ...options, cpuProfDir, before: env.BENCH_BEFORE });
    printEdgeTable(edgeRows, options);
    for (const row of edgeRows) if (row.profile) summarizeProfile(row.profile, { title: `decider of: ${row.name}`, top: 15, cpuUsPerRequest: row.deciderUs });
  }
  if (only.has('overshoot')) {
    if (!wrkAvailable()) throw new Error('BENCH_ONLY=overshoot needs wrk (Debian package wrk) and Redis (BENCH_REDIS_URL)');
    process.stderr.write('running rate-limit overshoot benchmark (two gateway replicas on one Redis, wrk at each)\n');
    const options = { seconds: positiveInt('BENCH_WRK_SECONDS', 3), concurrency, trials: Math.min(rounds, 5) };
    printOvershootTable(await runOvershootBench({ issuer, ...options }), options);
  }
  if (only.has('verifier')) {
    process.stderr.write('running verifier benchmark\n');
    const { rows, signPerSecond } = await runVerifierBench({ issuer, tokens: 1_000, measureMs: 2_000 });
    printVerifierTable(rows, signPerSecond, 1_000);
  }
  if (only.has('argon2')) {
    process.stderr.write('running argon2 benchmark\n');
    printArgon2Table(await runArgon2Bench(4_000));
  }
  if (only.has('storm')) {
    process.stderr.write('running login storm benchmark\n');
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    const storm = await runLoginStormBench({ issuer, cpuProfDir });
    printLoginStormTable(storm);
    const stormProfile = authMainThreadProfile(storm);
    if (stormProfile) summarizeProfile(stormProfile, { title: 'auth process during the login storm (whole run: start-up, idle, storm)', top: 12 });
  }
  if (only.has('client-auth')) {
    process.stderr.write('running client authentication benchmark\n');
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    const clientAuth = await runClientAuthBench({ requests, concurrency, measureMs: 3_000, cpuProfDir });
    printClientAuthTable(clientAuth);
    if (clientAuth.issuanceProfile) {
      summarizeProfile(clientAuth.issuanceProfile, { title: 'auth process during client_credentials issuance', cpuUsPerRequest: 1e6 / clientAuth.issuance.perCpuSecond, top: 25 });
    }
  }
  if (only.has('mfa')) {
    process.stderr.write('running second-step benchmark\n');
    printSecondStepTable(await runSecondStepBench());
  }
} finally {
  await issuer.close();
}
console.log(`\ntotal bench time ${fmt((Date.now() - started) / 1000, 1)} s`);
