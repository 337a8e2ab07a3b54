import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AuthChildArgs } from './auth-child.js';
import { startChild } from './children.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { fmt, printTable, ratio } from './table.js';

/**
 * POST /auth/password/forgot must not tell an existing account from a missing one by time, and the
 * mail it causes must stay off the request path: the SMTP server here takes 500 ms per mail. The
 * two logins and the login endpoint get the same offered load (open loop), interleaved round by
 * round against one auth process, so the machine's load hits all three alike.
 *
 *   npx tsx bench/forgot-password-bench.ts        (FORGOT_RATE=40 FORGOT_ROUNDS=5 FORGOT_SECONDS=3)
 */
const RATE = Number(process.env.FORGOT_RATE ?? 40);
const ROUNDS = Number(process.env.FORGOT_ROUNDS ?? 5);
const SECONDS = Number(process.env.FORGOT_SECONDS ?? 3);
const SMTP_DELAY_MS = 500;
const USERS = 20;
const PASSWORD = 'correct horse battery staple';

/** An SMTP server that takes SMTP_DELAY_MS to accept each mail, and keeps the links it was sent. */
async function slowSmtpServer() {
  const links: string[] = [];
  const accepted = { count: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      stream.on('end', () => {
        const token = /token=([A-Za-z0-9_-]{20,})/.exec(raw.replace(/=\r?\n/g, ''))?.[1];
        if (token) links.push(token);
        setTimeout(() => {
          accepted.count++;
          callback();
        }, SMTP_DELAY_MS);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, links, accepted, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function postJson(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const quantile = (sorted: Float64Array, q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000);

const smtp = await slowSmtpServer();
const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-forgot-'));
const env = {
  SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
  // High enough for the load: the throttle is tested elsewhere, and a 429 would not be a 202.
  PASSWORD_RESET_MAX_PER_ACCOUNT: '1000000',
  PASSWORD_RESET_MAX_PER_IP: '1000000',
  REGISTRATION_MAX_PER_IP: '1000',
};
const child = await startChild('auth-child.ts', { dataDir, adminToken: randomUUID() + randomUUID(), clientSecrets: 'hmac', env } satisfies AuthChildArgs);
try {
  // Verified accounts: only those get a reset mail, so only their requests cause SMTP work.
  const logins = Array.from({ length: USERS }, (_, i) => `forgot-bench-${i}`);
  for (const login of logins) {
    if ((await postJson(`${child.url}/auth/register`, { username: login, password: PASSWORD, email: `${login}@example.test` })) !== 201) throw new Error(`register ${login}`);
  }
  await waitFor(() => smtp.links.length >= USERS, 'the verification mails');
  for (const token of smtp.links.splice(0)) await postJson(`${child.url}/auth/email/verify`, { token });
  const acceptedBefore = smtp.accepted.count;

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const kinds = {
    'forgot, existing verified account': { path: '/auth/password/forgot', ok: 202, bodies: logins.map((login) => JSON.stringify({ login })) },
    'forgot, no such account': { path: '/auth/password/forgot', ok: 202, bodies: logins.map((_, i) => JSON.stringify({ login: `nobody-${i}-${randomUUID().slice(0, 8)}` })) },
    'login (correct password)': { path: '/auth/login', ok: 200, bodies: logins.map((username) => JSON.stringify({ username, password: PASSWORD })) },
  } as const;
  const results = new Map<string, OpenLoopResult[]>(Object.keys(kinds).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, kind] of Object.entries(kinds)) {
      process.stderr.write(`  forgot: round ${round + 1}/${ROUNDS}, ${name}\n`);
      results.get(name)!.push(
        await runOpenLoop({ url: child.url, path: kind.path, headers: [{}], bodies: kind.bodies, okStatus: kind.ok, ratePerSecond: RATE, maxMs: SECONDS * 1000, maxInFlight: 256, agent }),
      );
    }
  }
  agent.destroy();

  const p99s = new Map<string, number>();
  const rows = [...results].map(([name, runs]) => {
    const all = Float64Array.from(runs.flatMap((run) => [...run.latenciesUs])).sort();
    const p99 = quantile(all, 0.99);
    p99s.set(name, p99);
    const failed = runs.reduce((sum, run) => sum + run.failed, 0);
    return [name, fmt(quantile(all, 0.5), 2), fmt(p99, 2), String(all.length), String(failed)];
  });
  // Per round as well: the two rows' p99s in the same round, so a stall of the machine in one round weighs on both.
  const perRound = results.get('forgot, existing verified account')!.map((run, i) => quantile(run.latenciesUs, 0.99) / quantile(results.get('forgot, no such account')![i]!.latenciesUs, 0.99));
  const medianPerRound = [...perRound].sort((a, b) => a - b)[Math.floor(perRound.length / 2)]!;
  const existing = p99s.get('forgot, existing verified account')!;
  const missing = p99s.get('forgot, no such account')!;
  const login = p99s.get('login (correct password)')!;
  printTable(
    `Password reset requests (${RATE} requests/s offered to each row, open loop, ${ROUNDS} interleaved rounds x ${SECONDS} s; SMTP server takes ${SMTP_DELAY_MS} ms per mail)`,
    ['row', 'p50 ms', 'p99 ms', 'answered', 'failed'],
    rows,
    [
      `existing / missing p99: ${ratio(existing, missing)} over all rounds, ${medianPerRound.toFixed(2)}x median per round (target: within 10 %)`,
      `forgot p99 / login p99: existing ${ratio(existing, login)}, missing ${ratio(missing, login)} (target: at most 1.00x)`,
      `reset mails the SMTP server accepted during the run: ${smtp.accepted.count - acceptedBefore} (each took ${SMTP_DELAY_MS} ms, off every request's path; the rest wait in the outbox)`,
    ],
  );
} finally {
  await child.stop();
  await smtp.close();
  await rm(dataDir, { recursive: true, force: true });
}
