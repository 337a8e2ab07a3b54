import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, printTable } from './table.js';

/**
 * Issue 22, point 5: victims' logins while one account floods correct-password logins from one
 * address (the attack of the issue: 48 parallel loops, back to back, no Retry-After honoured).
 * A real auth process (`services/auth/main.ts` as `npm start` runs it, defaults: argon2id, the
 * default hashing queue, LOGIN_MAX_FAILURES 10) per run; every caller is named by
 * X-Forwarded-For, which auth trusts from loopback as it does from the gateway.
 *
 *   tsx bench/login-flood.ts [--before <checkout>] [--rounds 3] [--flood-ms 12000]
 *
 * `--before` runs the same flood against another checkout (e.g. a worktree of ab96d76 with a
 * node_modules symlink), interleaved round by round with this one so both meet the same load.
 * Measures that survive a busy machine: success rates and counts; latencies are indicative.
 */

const PASSWORD = 'correct horse battery staple';
const ATTACKER = { username: 'flooder', from: '203.0.113.66' };
const victim = (i: number) => ({ username: `victim-${i}`, from: `198.51.100.${i + 1}` });

interface Answer {
  status: number;
  retryAfter: number;
  ms: number;
}

interface RunResult {
  victimAttempts: number;
  victimOk: number;
  victim503: number;
  victim429: number;
  victimOkMs: number[];
  /** Victims answered 429 to their correct password once the flood is over. */
  lockedAfter: number;
  attackerOk: number;
  attackerRefused: number;
  seconds: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function post(port: number, pathName: string, json: unknown, from: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: pathName, agent, headers: { 'content-type': 'application/json', 'x-forwarded-for': from } },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 0), ms: performance.now() - started }));
      },
    );
    req.once('error', reject);
    req.end(JSON.stringify(json));
  });
}

const login = (port: number, who: { username: string; from: string }) => post(port, '/auth/login', { username: who.username, password: PASSWORD }, who.from);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function runOnce(root: string, { floodMs, attackers, victims }: { floodMs: number; attackers: number; victims: number }): Promise<RunResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'login-flood-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/auth/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', AUTH_PORT: String(port), AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  try {
    const deadline = Date.now() + 60_000;
    while ((await post(port, '/auth/login', {}, '127.0.0.1').catch(() => null)) === null) {
      if (Date.now() > deadline) throw new Error(`auth under ${root} did not start`);
      await sleep(100);
    }
    for (const who of [ATTACKER, ...Array.from({ length: victims }, (_, i) => victim(i))]) {
      const registered = await post(port, '/auth/register', { username: who.username, password: PASSWORD }, who.from);
      if (registered.status !== 201) throw new Error(`register ${who.username}: ${registered.status}`);
    }
    let stop = false;
    let attackerOk = 0;
    let attackerRefused = 0;
    const flood = Array.from({ length: attackers }, async () => {
      while (!stop) {
        const { status } = await login(port, ATTACKER);
        if (status === 200) attackerOk++;
        else attackerRefused++;
      }
    });
    // Let the flood fill the queue before the victims come.
    await sleep(500);
    const result: RunResult = { victimAttempts: 0, victimOk: 0, victim503: 0, victim429: 0, victimOkMs: [], lockedAfter: 0, attackerOk: 0, attackerRefused: 0, seconds: floodMs / 1000 };
    const started = performance.now();
    const people = Array.from({ length: victims }, async (_, i) => {
      while (performance.now() - started < floodMs) {
        const answer = await login(port, victim(i));
        result.victimAttempts++;
        if (answer.status === 200) {
          result.victimOk++;
          result.victimOkMs.push(answer.ms);
        } else if (answer.status === 503) result.victim503++;
        else if (answer.status === 429) result.victim429++;
        // A person's client: waits what Retry-After says (at most 5 s here), else a moment.
        await sleep(answer.status === 200 ? 250 : Math.min(5, Math.max(1, answer.retryAfter)) * 1000);
      }
    });
    await Promise.all(people);
    stop = true;
    await Promise.all(flood);
    result.attackerOk = attackerOk;
    result.attackerRefused = attackerRefused;
    for (let i = 0; i < victims; i++) if ((await login(port, victim(i))).status === 429) result.lockedAfter++;
    return result;
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

function sum(runs: RunResult[], pick: (r: RunResult) => number): number {
  return runs.reduce((total, run) => total + pick(run), 0);
}

function quantileOf(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function column(runs: RunResult[], victims: number): string[] {
  const attempts = sum(runs, (r) => r.victimAttempts);
  const okMs = runs.flatMap((r) => r.victimOkMs);
  const seconds = sum(runs, (r) => r.seconds);
  return [
    `${fmt((sum(runs, (r) => r.victimOk) / attempts) * 100, 1)}% (${sum(runs, (r) => r.victimOk)}/${attempts})`,
    fmt(sum(runs, (r) => r.victim503)),
    fmt(sum(runs, (r) => r.victim429)),
    `${sum(runs, (r) => r.lockedAfter)}/${victims * runs.length}`,
    `${fmt(quantileOf(okMs, 0.5), 0)} / ${fmt(quantileOf(okMs, 0.99), 0)} ms`,
    fmt(sum(runs, (r) => r.attackerOk) / seconds, 1),
    fmt(sum(runs, (r) => r.attackerRefused) / seconds, 0),
    runs.map((r) => `${fmt((r.victimOk / r.victimAttempts) * 100, 0)}%`).join(', '),
  ];
}

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'flood-ms': { type: 'string', default: '12000' },
    attackers: { type: 'string', default: '48' },
    victims: { type: 'string', default: '8' },
  },
});
const settings = { floodMs: Number(values['flood-ms']), attackers: Number(values.attackers), victims: Number(values.victims) };
const rounds = Number(values.rounds);
const variants: Array<[name: string, root: string]> = [...(values.before ? [['before', path.resolve(values.before)] as [string, string]] : []), ['after', process.cwd()]];
const results = new Map<string, RunResult[]>(variants.map(([name]) => [name, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [name, root] of variants) {
      const run = await runOnce(root, settings);
      results.get(name)?.push(run);
      process.stderr.write(`round ${round} ${name}: victims ${run.victimOk}/${run.victimAttempts} ok, ${run.victim503} x 503, ${run.victim429} x 429, ${run.lockedAfter} locked after\n`);
    }
  }
} finally {
  agent.destroy();
}
const labels = [
  "victims' correct logins answered 200",
  "victims' 503 (queue full)",
  "victims' 429",
  'victims locked out (429) after the flood',
  "victims' 200 latency p50 / p99",
  "attacker's 200/s",
  "attacker's refusals/s (503 or 429)",
  'success per round',
];
const columns = variants.map(([name]) => column(results.get(name) ?? [], settings.victims));
printTable(
  `victims' logins under a one-account flood (${availableParallelism()} cpus, ${settings.attackers} attacker loops, ${settings.victims} victims, ${rounds} rounds x ${fmt(settings.floodMs / 1000)} s)`,
  ['measure', ...variants.map(([name]) => name)],
  labels.map((label, i) => [label, ...columns.map((cells) => cells[i] ?? '')]),
  [
    'attacker: one account, one address, correct password, back to back; victims: their own accounts and addresses, correct password, Retry-After honoured (1-5 s), 250 ms between logins',
    'real auth process per run (services/auth/main.ts, defaults); the runs interleave before/after round by round',
  ],
);
