import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { SoftAuthenticator } from '../tests/auth/passkeys/soft-authenticator.js';
import type { AuthChildArgs } from './auth-child.js';
import { startChild } from './children.js';
import { fmt, printTable, ratio } from './table.js';
import { summarizeProfile } from './profile-summary.js';

/**
 * A passkey sign-in against the password login it replaces, in auth's CPU: the real auth service
 * in a process of its own (bench/auth-child.ts), its CPU read over IPC around each batch, rows
 * interleaved round by round. A passkey sign-in is two requests (options, then the assertion:
 * one challenge stored and spent, one ECDSA P-256 verification, the counter update, a token
 * pair); a password login is one argon2id verification and the same token pair. The assertions
 * are signed in this process (tests/auth/passkeys/soft-authenticator.ts), outside the figure.
 *
 *   npx tsx bench/passkey-bench.ts        (PASSKEY_ROUNDS=5 PASSKEY_LOGINS=40 PASSKEY_SIGN_INS=200; BENCH_CPU_PROF=1: where auth's CPU goes)
 */
const ROUNDS = Number(process.env.PASSKEY_ROUNDS ?? 5);
const LOGINS = Number(process.env.PASSKEY_LOGINS ?? 40);
const SIGN_INS = Number(process.env.PASSKEY_SIGN_INS ?? 200);
const USERS = 10;
const PASSWORD = 'correct horse battery staple';
const PUBLIC_URL = 'https://id.bench.test';

async function postJson<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-passkey-'));
// High limits: the throttles are tested elsewhere, and a 429 here would measure nothing.
const env = { AUTH_PUBLIC_URL: PUBLIC_URL, LOGIN_MAX_FAILURES: '1000000', LOGIN_MAX_FAILURES_PER_IP: '1000000', REGISTRATION_MAX_PER_IP: '1000' };
const child = await startChild('auth-child.ts', { dataDir, adminToken: randomUUID() + randomUUID(), clientSecrets: 'hmac', env } satisfies AuthChildArgs);
const profile = process.env.BENCH_CPU_PROF === '1' ? path.join(tmpdir(), `passkey-${process.pid}.cpuprofile`) : undefined;
try {
  // Password users hold no passkey (else their login would ask for the second step).
  const passwordUsers = Array.from({ length: USERS }, (_, i) => `pwd-bench-${i}`);
  const authenticator = new SoftAuthenticator({ origin: PUBLIC_URL, userVerified: true, counting: true });
  for (const username of [...passwordUsers, ...Array.from({ length: USERS }, (_, i) => `passkey-bench-${i}`)]) {
    if ((await postJson(`${child.url}/auth/register`, { username, password: PASSWORD })).status !== 201) throw new Error(`register ${username}`);
    if (!username.startsWith('passkey-')) continue;
    const { body: pair } = await postJson<{ access_token: string }>(`${child.url}/auth/login`, { username, password: PASSWORD });
    const { body: options } = await postJson<PublicKeyCredentialCreationOptionsJSON>(`${child.url}/auth/webauthn/register/options`, {}, pair.access_token);
    if ((await postJson(`${child.url}/auth/webauthn/register`, { response: authenticator.create(options) }, pair.access_token)).status !== 201) throw new Error(`passkey of ${username}`);
  }

  const passwordLogin = async (i: number) => {
    const answer = await postJson(`${child.url}/auth/login`, { username: passwordUsers[i % USERS], password: PASSWORD });
    if (answer.status !== 200) throw new Error(`password login: ${answer.status}`);
  };
  const passkeySignIn = async () => {
    const { body: options } = await postJson<PublicKeyCredentialRequestOptionsJSON>(`${child.url}/auth/webauthn/login/options`, {});
    const answer = await postJson(`${child.url}/auth/webauthn/login`, { response: authenticator.get(options, { credentialId: [...authenticator.credentials.keys()][Math.floor(Math.random() * USERS)]! }) });
    if (answer.status !== 200) throw new Error(`passkey sign-in: ${answer.status}`);
  };
  /** auth's CPU per operation over one batch, µs. */
  const batch = async (count: number, run: (i: number) => Promise<void>) => {
    const before = await child.cpuMicros();
    for (let i = 0; i < count; i++) await run(i);
    return ((await child.cpuMicros()) - before) / count;
  };
  // Warm-up: JIT, argon2's threads, the key set.
  await batch(5, passwordLogin);
  await batch(20, passkeySignIn);

  if (profile) {
    await child.profileStart();
    await batch(SIGN_INS, passkeySignIn);
    await child.profileStop(profile);
    summarizeProfile(profile, { title: 'auth process during passkey sign-ins' });
  }
  const password: number[] = [];
  const passkey: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`  passkey: round ${round + 1}/${ROUNDS}\n`);
    password.push(await batch(LOGINS, passwordLogin));
    passkey.push(await batch(SIGN_INS, passkeySignIn));
  }
  const perRound = passkey.map((value, i) => value / password[i]!);
  printTable(
    `Passkey sign-in vs password login: auth CPU per sign-in (${ROUNDS} interleaved rounds; ${LOGINS} logins, ${SIGN_INS} passkey sign-ins per round; one client, sequential)`,
    ['row', 'µs CPU/sign-in (median)', 'min-max'],
    [
      ['password login (argon2id + token pair)', fmt(median(password)), `${fmt(Math.min(...password))}-${fmt(Math.max(...password))}`],
      ['passkey sign-in (options + assertion + token pair)', fmt(median(passkey)), `${fmt(Math.min(...passkey))}-${fmt(Math.max(...passkey))}`],
    ],
    [`passkey / password: ${ratio(median(passkey), median(password))} of the medians, ${median(perRound).toFixed(3)}x median per round (target: below 1.00x)`],
  );
} finally {
  await child.stop();
  await rm(dataDir, { recursive: true, force: true });
}
