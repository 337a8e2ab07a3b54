import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import type { PasswordHasher } from '../../services/auth/domain/users/password-hasher.js';
import { PASSWORD, post } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';

const TRIES = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The real argon2id hasher, counting how often each member ran. */
class CountingHasher implements PasswordHasher {
  readonly calls = { verify: 0, verifyAgainstDummy: 0 };
  private readonly inner = new Argon2PasswordHasher();
  hash(password: string) {
    return this.inner.hash(password);
  }
  verify(hash: string, password: string) {
    this.calls.verify++;
    return this.inner.verify(hash, password);
  }
  verifyAgainstDummy(password: string) {
    this.calls.verifyAgainstDummy++;
    return this.inner.verifyAgainstDummy(password);
  }
}

/** The login answer as bytes on the wire, plus the headers a caller could compare. */
interface RawAnswer {
  status: number;
  body: string;
  headers: Record<string, string | null>;
}

describe('login timing', () => {
  let auth: TestAuth;
  const users = new MemoryUserStore();
  const passwords = new CountingHasher();

  beforeAll(async () => {
    // Limits high enough that the measurement itself is never throttled.
    auth = await startTestAuth({ users, passwords, env: { LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '1000' } });
    await post(auth.url, '/auth/register', { username: 'timed', password: PASSWORD });
    const locked = await post(auth.url, '/auth/register', { username: 'timed-locked', password: PASSWORD });
    await users.setLocked(String(locked.body.id), true);
  });
  afterAll(() => auth?.stop());

  async function rawLogin(username: string, password: string): Promise<RawAnswer> {
    const res = await fetch(`${auth.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const headers = Object.fromEntries(
      ['content-type', 'content-length', 'cache-control', 'pragma', 'www-authenticate', 'retry-after', 'set-cookie'].map((name) => [name, res.headers.get(name)]),
    );
    return { status: res.status, body: await res.text(), headers };
  }

  async function timeLogin(username: string, password: string): Promise<number> {
    const started = performance.now();
    const res = await rawLogin(username, password);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    return elapsed;
  }

  it('when an unknown user, a wrong password and a locked account (right password) are timed, then their medians are within a generous ratio', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    const locked: number[] = [];
    // Interleaved, so drift in machine load hits every series alike.
    for (let i = 0; i < TRIES; i++) {
      unknown.push(await timeLogin(`nobody-${i}`, 'wrong password!!'));
      wrong.push(await timeLogin('timed', 'wrong password!!'));
      locked.push(await timeLogin('timed-locked', PASSWORD));
    }
    for (const ratio of [median(unknown) / median(wrong), median(locked) / median(wrong)]) {
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    }
  });

  it('when a locked account logs in, then the stored hash is verified all the same (the lock is checked after it)', async () => {
    const before = { ...passwords.calls };
    await rawLogin('timed-locked', PASSWORD);
    await rawLogin('timed-locked', 'wrong password!!');
    expect(passwords.calls.verify - before.verify).toBe(2);
    expect(passwords.calls.verifyAgainstDummy - before.verifyAgainstDummy).toBe(0);
  });

  it('when an unknown user, a wrong password and a locked account answer, then status, headers and body bytes are identical', async () => {
    const wrong = await rawLogin('timed', 'wrong password!!');
    expect(wrong.status).toBe(401);
    expect(await rawLogin('nobody', 'wrong password!!')).toEqual(wrong);
    expect(await rawLogin('timed-locked', PASSWORD)).toEqual(wrong);
    expect(await rawLogin('timed-locked', 'wrong password!!')).toEqual(wrong);
  });
});
