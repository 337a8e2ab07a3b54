import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { AuthChildArgs } from './auth-child.js';
import { startChild, type BenchChild } from './children.js';
import { fmt, printTable, ratio } from './table.js';

/** One measured phase: answers per wall second, and per CPU-second of the process doing the work. */
export interface Rate {
  perSecond: number;
  perCpuSecond: number;
}

export interface ClientAuthResult {
  sign: Rate;
  issuance: Rate;
  introspect: Rate;
  introspectArgon2: Rate;
  concurrency: number;
  /** The auth child's V8 profile of the measured issuance phase, when BENCH_CPU_PROF asked for one. */
  issuanceProfile?: string;
}

/** Forks an auth service (bench/auth-child.ts) and makes one client through the admin API, as an operator would. */
async function startAuth(dataDir: string, clientSecrets: AuthChildArgs['clientSecrets']) {
  const adminToken = randomUUID() + randomUUID();
  const child = await startChild('auth-child.ts', { dataDir, adminToken, clientSecrets } satisfies AuthChildArgs);
  try {
    const created = await fetch(`${child.url}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'bench', scopes: ['notes:read'] }),
    });
    if (created.status !== 201) throw new Error(`admin create answered ${created.status}`);
    const { client_secret: secret } = (await created.json()) as { client_secret: string };
    return { child, authorization: `Basic ${Buffer.from(`bench:${secret}`).toString('base64')}` };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** One form POST on a keep-alive agent; resolves the status. node:http, not fetch: the load generator should stay light. */
function post(agent: http.Agent, url: URL, authorization: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `concurrency` workers POSTing forms until `maxRequests` are answered or `maxMs` passed. The
 * 200 answers are divided by the wall time and by the CPU the auth child spent meanwhile
 * (process.cpuUsage() over IPC: all its threads, so argon2's libuv pool counts too).
 */
async function postRate(auth: BenchChild, path: string, authorization: string, form: () => string, concurrency: number, maxRequests: number, maxMs: number): Promise<Rate> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(path, auth.url);
  let sent = 0;
  let ok = 0;
  const cpu0 = await auth.cpuMicros();
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < maxRequests && performance.now() - t0 < maxMs) {
          sent++;
          if ((await post(agent, target, authorization, form())) === 200) ok++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const ms = performance.now() - t0;
  const cpuMicros = (await auth.cpuMicros()) - cpu0;
  return { perSecond: (ok / ms) * 1000, perCpuSecond: (ok / cpuMicros) * 1e6 };
}

/** Raw RS256 signs of a 2048-bit key, one at a time, no HTTP, per wall second and per CPU-second of this process (idle otherwise). */
function signRate(requests: number, measureMs: number): Rate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = () => ({ iss: 'bench', sub: 'bench', aud: 'api', jti: randomUUID(), client_id: 'bench', scope: 'notes:read' });
  for (let i = 0; i < 50; i++) jwt.sign(claims(), privateKey, { algorithm: 'RS256', expiresIn: 900 });
  let signed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < measureMs && signed < requests * 4) {
    jwt.sign(claims(), privateKey, { algorithm: 'RS256', expiresIn: 900, header: { alg: 'RS256', typ: 'at+jwt', kid: 'k' } });
    signed++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (signed / ms) * 1000, perCpuSecond: (signed / (cpu.user + cpu.system)) * 1e6 };
}

/**
 * Client authentication per token and per introspection. Each auth service runs in its own child
 * process and reports its CPU over IPC, so issuance is tokens per CPU-second of the service, set
 * against raw RS256 signs per CPU-second (the ceiling of issuance); introspection with the
 * HMAC-stored secret is set against argon2id on every call (the behaviour before).
 */
export async function runClientAuthBench({ requests, concurrency, measureMs, cpuProfDir }: { requests: number; concurrency: number; measureMs: number; cpuProfDir?: string | undefined }): Promise<ClientAuthResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-client-auth-'));
  const started: Array<Awaited<ReturnType<typeof startAuth>>> = [];
  try {
    const sign = signRate(requests, measureMs);
    const fast = await startAuth(path.join(dir, 'hmac'), 'hmac');
    started.push(fast);
    const slow = await startAuth(path.join(dir, 'argon2'), 'argon2');
    started.push(slow);

    const ccForm = () => 'grant_type=client_credentials';
    // Warm-up to steady state: JIT (TurboFan compiles on other threads, which the CPU reading
    // counts) and keep-alive sockets, so the measured phase is the cost per token, not start-up.
    await postRate(fast.child, '/oauth/token', fast.authorization, ccForm, concurrency, 2_000, 2_000);
    const issuanceProfile = cpuProfDir ? path.join(cpuProfDir, 'auth-issuance.cpuprofile') : undefined;
    if (issuanceProfile) await fast.child.profileStart();
    const issuance = await postRate(fast.child, '/oauth/token', fast.authorization, ccForm, concurrency, requests, measureMs);
    if (issuanceProfile) await fast.child.profileStop(issuanceProfile);

    const tokenOf = async (running: typeof fast) => {
      const res = await fetch(`${running.child.url}/oauth/token`, { method: 'POST', headers: { authorization: running.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: ccForm() });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const introspect = async (running: typeof fast, count: number) => {
      const form = `token=${await tokenOf(running)}`;
      return postRate(running.child, '/oauth/introspect', running.authorization, () => form, concurrency, count, measureMs);
    };
    await introspect(fast, 200);
    const introspectHmac = await introspect(fast, requests);
    await introspect(slow, 8);
    const introspectArgon2 = await introspect(slow, Math.min(requests, 2_000));
    return { sign, issuance, introspect: introspectHmac, introspectArgon2, concurrency, ...(issuanceProfile ? { issuanceProfile } : {}) };
  } finally {
    await Promise.all(started.map(({ child }) => child.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

export function printClientAuthTable(result: ClientAuthResult): void {
  const row = (label: string, rate: Rate, baseline: Rate) => [label, fmt(rate.perCpuSecond), fmt(rate.perSecond), ratio(rate.perCpuSecond, baseline.perCpuSecond)];
  printTable(
    `4. Client authentication (client_secret_basic, ${result.concurrency} requests in flight, auth service in its own process)`,
    ['measure', 'per CPU-second', 'per second', 'ratio (CPU)'],
    [
      row('baseline: raw RS256 sign (jsonwebtoken, 2048-bit key, one at a time)', result.sign, result.sign),
      row('client_credentials issuance over HTTP (HMAC-SHA-256 secret)', result.issuance, result.sign),
      row('baseline: introspection with an argon2id-stored secret (before)', result.introspectArgon2, result.introspectArgon2),
      row('introspection with an HMAC-SHA-256-stored secret (now)', result.introspect, result.introspectArgon2),
    ],
    [
      'per CPU-second: answers / CPU time (user + system, all threads) of the process doing the work: the auth child (over IPC) or, for the sign baseline, this process.',
      'targets: issuance >= 0.50x the raw sign rate; introspection >= 10x the argon2id baseline. Shared machines make these indicative.',
    ],
  );
}
