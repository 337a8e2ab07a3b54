import { randomBytes } from 'node:crypto';
import { TOTP, Secret } from 'otpauth';
import { Argon2PasswordHasher } from '../services/auth/adapters/passwords/argon2-password-hasher.js';
import { MemoryTokenStore } from '../services/auth/adapters/memory/memory-token-store.js';
import { MemoryTotpStore } from '../services/auth/adapters/memory/memory-totp-store.js';
import { MemoryUserStore } from '../services/auth/adapters/memory/memory-user-store.js';
import { ignoreAuthEvents } from '../services/auth/domain/auth-events.js';
import { passwordAuthentication } from '../services/auth/domain/mfa/authentication.js';
import { MfaTokens } from '../services/auth/domain/mfa/mfa-token.js';
import { SecondFactors } from '../services/auth/domain/mfa/second-factor.js';
import { createSecondStep } from '../services/auth/domain/mfa/second-step.js';
import { SecretBox } from '../services/auth/domain/mfa/secret-box.js';
import { createTotp } from '../services/auth/domain/mfa/totp.js';
import { fmt, printTable } from './table.js';

export interface SecondStepResult {
  argon2CpuMs: number;
  totpCpuMs: number;
  steps: number;
}

/**
 * CPU of the login's TOTP second step in the auth process (issue 25): opening the mfa_token,
 * the throttle counts, unsealing the secret, the RFC 6238 check and spending the step, and the
 * single-use claim, against the argon2id verify of the first step, in this process, memory
 * stores. The codes are computed before the clock starts (the user's phone computes them).
 */
export async function runSecondStepBench(steps = 400): Promise<SecondStepResult> {
  let clock = Date.now();
  const now = () => clock;
  const keys = [randomBytes(32)];
  const users = new MemoryUserStore();
  const user = await users.create({ username: 'bench', passwordHash: 'x', roles: [] });
  const store = new MemoryTotpStore();
  const box = new SecretBox(keys, 'totp secret');
  const secret = new Secret({ size: 20 }).base32;
  await store.savePending(user.id, box.seal(secret, `totp:${user.id}`), new Date());
  await store.confirm(user.id, (await store.find(user.id))!.sealedSecret, [], -1);
  const totp = createTotp({ store, users, box, confirmPassword: () => Promise.reject(new Error('unused')), events: ignoreAuthEvents, now });
  const tokens = new MemoryTokenStore({ now });
  const mfaTokens = new MfaTokens(new SecretBox(keys, 'mfa_token'), now);
  const secondStep = createSecondStep({ factors: new SecondFactors(totp.factors), mfaTokens, counter: tokens, users, maxFailures: 1e9, windowSeconds: 900, events: ignoreAuthEvents, now });
  const generator = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

  // Each step 30 s later, so every code is of a new step (each step is accepted once).
  const attempts = Array.from({ length: steps }, (_, i) => {
    const at = clock + (i + 1) * 30_000;
    return { at, code: generator.generate({ timestamp: at }), token: '' };
  });
  for (const attempt of attempts) {
    clock = attempt.at;
    attempt.token = mfaTokens.issue({ userId: user.id, clientId: 'bench', purpose: 'first_party', first: passwordAuthentication(clock) }).token;
  }
  const cpu0 = process.cpuUsage();
  for (const attempt of attempts) {
    clock = attempt.at;
    await secondStep.complete(attempt.token, { code: attempt.code }, { purpose: 'first_party', clientIp: '127.0.0.1' });
  }
  const cpu = process.cpuUsage(cpu0);

  const hasher = new Argon2PasswordHasher();
  const stored = await hasher.hash('correct horse battery staple');
  await hasher.verify(stored, 'correct horse battery staple');
  const verifies = 10;
  const a0 = process.cpuUsage();
  for (let i = 0; i < verifies; i++) await hasher.verify(stored, 'correct horse battery staple');
  const a = process.cpuUsage(a0);
  return { totpCpuMs: (cpu.user + cpu.system) / 1000 / steps, argon2CpuMs: (a.user + a.system) / 1000 / verifies, steps };
}

export function printSecondStepTable(result: SecondStepResult): void {
  printTable(
    '6. The login second step (TOTP) against the password check before it, auth CPU per login',
    ['step', 'CPU ms', 'ratio'],
    [
      ['password: argon2id verify', fmt(result.argon2CpuMs, 2), '1.00'],
      [`second step: TOTP (${result.steps} codes)`, fmt(result.totpCpuMs, 3), fmt(result.totpCpuMs / result.argon2CpuMs, 4)],
    ],
  );
}
