import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, request } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';

const TRIES = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('login timing', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    // Limits high enough that the measurement itself is never throttled.
    auth = await startTestAuth({ env: { LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '1000' } });
    await post(auth.url, '/auth/register', { username: 'timed', password: PASSWORD });
  });
  afterAll(() => auth?.stop());

  async function timeLogin(username: string): Promise<number> {
    const started = performance.now();
    const res = await request(auth.url, 'POST', '/auth/login', { json: { username, password: 'wrong password!!' } });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    return elapsed;
  }

  it('when an unknown user and a wrong password are timed, then their medians are within a generous ratio', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Interleaved, so drift in machine load hits both series alike.
    for (let i = 0; i < TRIES; i++) {
      unknown.push(await timeLogin(`nobody-${i}`));
      wrong.push(await timeLogin('timed'));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('when an unknown user and a wrong password answer, then the bodies are identical', async () => {
    const a = await request(auth.url, 'POST', '/auth/login', { json: { username: 'nobody', password: 'wrong password!!' } });
    const b = await request(auth.url, 'POST', '/auth/login', { json: { username: 'timed', password: 'wrong password!!' } });
    expect(a.body).toEqual(b.body);
    expect(a.status).toBe(b.status);
  });
});
