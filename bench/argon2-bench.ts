import { availableParallelism } from 'node:os';
import { Argon2PasswordHasher, OWASP_ARGON2ID } from '../services/auth/adapters/passwords/argon2-password-hasher.js';
import { fmt, printTable } from './table.js';

export interface Argon2Result {
  wallMsPerVerify: number;
  cpuMsPerVerify: number;
  /** Verifies per second with `parallel` in flight (libuv pool, UV_THREADPOOL_SIZE default 4). */
  verifiesPerSecond: number;
  parallel: number;
}

/**
 * The password check every login pays: argon2id verify at the auth service's parameters
 * (OWASP_ARGON2ID), measured in this process. process.cpuUsage() counts the libuv pool threads
 * that do the hashing, so CPU per verify is real CPU, not event-loop time.
 */
export async function runArgon2Bench(measureMs: number): Promise<Argon2Result> {
  const hasher = new Argon2PasswordHasher();
  const password = 'correct horse battery staple';
  const stored = await hasher.hash(password);
  for (let i = 0; i < 2; i++) await hasher.verify(stored, password); // warm-up

  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < measureMs / 2 || count < 5) {
    if (!(await hasher.verify(stored, password))) throw new Error('argon2 verify failed');
    count++;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  const parallel = availableParallelism();
  let done = 0;
  const p0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() - p0 < measureMs / 2) {
        await hasher.verify(stored, password);
        done++;
      }
    }),
  );
  const parallelMs = performance.now() - p0;
  return {
    wallMsPerVerify: wallMs / count,
    cpuMsPerVerify: (cpu.user + cpu.system) / 1000 / count,
    verifiesPerSecond: (done / parallelMs) * 1000,
    parallel,
  };
}

export function printArgon2Table(result: Argon2Result): void {
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2ID;
  printTable(
    `3. Password hashing per login (argon2id m=${fmt(memoryCost ?? 0)} KiB, t=${timeCost}, p=${parallelism}, as the auth service configures it)`,
    ['measure', 'value'],
    [
      ['wall ms per verify (one at a time)', fmt(result.wallMsPerVerify, 1)],
      ['CPU ms per verify', fmt(result.cpuMsPerVerify, 1)],
      [`verifies/s with ${result.parallel} in flight (ceiling for logins/s per auth process)`, fmt(result.verifiesPerSecond, 0)],
    ],
    ['every login (right or wrong password, unknown user) pays one verify; registration pays one hash (same cost).'],
  );
}
