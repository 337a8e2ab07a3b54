import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { verify } from '@node-rs/argon2';
import { Argon2PasswordHasher, DEFAULT_HASHING_LIMITS } from '../services/auth/adapters/passwords/argon2-password-hasher.js';
import { fmt, printTable, ratio } from './table.js';

/**
 * Login storm against a real auth process: /healthz p99 while many clients log in at once, against
 * its idle p99 measured in the same run (target: at most 3x), and login throughput against raw
 * argon2 verification throughput at the same concurrency in this process (hashing-bound: ~1x).
 */
export interface LoginStormResult {
  idleP99Ms: number;
  stormP99Ms: number;
  loginsPerSecond: number;
  busyPerSecond: number;
  rawVerifiesPerSecond: number;
  concurrency: number;
  stormMs: number;
}

const PASSWORD = 'correct horse battery staple';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function call(port: number, method: string, pathName: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathName, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function healthzP99(port: number, until: () => boolean, maxSamples: number): Promise<number> {
  const samples: number[] = [];
  while (samples.length < maxSamples && !until()) {
    const started = performance.now();
    await call(port, 'GET', '/healthz');
    samples.push(performance.now() - started);
    // Paced, like a kubelet probe or a load balancer's checks, not a second load.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] ?? NaN;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function runLoginStormBench({ stormMs = 8_000, stormClients = 48 } = {}): Promise<LoginStormResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'storm-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/auth/main.ts'], {
    env: { PATH: process.env.PATH ?? '', AUTH_PORT: String(port), AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOGIN_MAX_FAILURES: '1000000', LOGIN_MAX_FAILURES_PER_IP: '1000000' },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 300; i++) {
      if ((await call(port, 'GET', '/healthz').catch(() => 0)) === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await call(port, 'POST', '/auth/register', JSON.stringify({ username: 'storm', password: PASSWORD }));
    const idleP99Ms = await healthzP99(port, () => false, 400);

    let stop = false;
    let logins = 0;
    let busy = 0;
    const login = JSON.stringify({ username: 'storm', password: PASSWORD });
    const started = performance.now();
    const clients = Array.from({ length: stormClients }, async () => {
      while (!stop) {
        const status = await call(port, 'POST', '/auth/login', login);
        if (status === 200) logins++;
        else if (status === 503) {
          busy++;
          // A well-behaved client honours Retry-After (1 s) instead of hammering.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    });
    const stormP99Ms = await healthzP99(port, () => performance.now() - started > stormMs, 100_000);
    stop = true;
    await Promise.all(clients);
    const elapsedS = (performance.now() - started) / 1000;

    // The ceiling: the same number of argon2 verifications at once, nothing else around them.
    const hasher = new Argon2PasswordHasher();
    const hash = await hasher.hash(PASSWORD);
    const { concurrency } = DEFAULT_HASHING_LIMITS;
    let verifies = 0;
    const rawStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - rawStarted < 3_000) {
          await verify(hash, PASSWORD);
          verifies++;
        }
      }),
    );
    const rawVerifiesPerSecond = verifies / ((performance.now() - rawStarted) / 1000);
    return { idleP99Ms, stormP99Ms, loginsPerSecond: logins / elapsedS, busyPerSecond: busy / elapsedS, rawVerifiesPerSecond, concurrency, stormMs };
  } finally {
    child.kill('SIGTERM');
    agent.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function printLoginStormTable(r: LoginStormResult): void {
  printTable(
    `login storm (auth process, ${availableParallelism()} cpus, argon2 concurrency ${r.concurrency}, ${fmt(r.stormMs / 1000)} s)`,
    ['measure', 'value', 'vs baseline', 'target'],
    [
      ['/healthz p99 idle (baseline)', `${fmt(r.idleP99Ms, 2)} ms`, '1.00x', ''],
      ['/healthz p99 during the storm', `${fmt(r.stormP99Ms, 2)} ms`, ratio(r.stormP99Ms, r.idleP99Ms), '<= 3x'],
      ['raw argon2 verify/s, same concurrency (baseline)', fmt(r.rawVerifiesPerSecond, 1), '1.00x', ''],
      ['successful logins/s during the storm', fmt(r.loginsPerSecond, 1), ratio(r.loginsPerSecond, r.rawVerifiesPerSecond), '~1x (hashing-bound)'],
      ['503 PASSWORD_HASHING_BUSY/s (queue full)', fmt(r.busyPerSecond, 1), '', ''],
    ],
    ['indicative on a shared machine; run alone for numbers to compare'],
  );
}
