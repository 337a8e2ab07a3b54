import { describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors.js';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import { BoundedWorkQueue } from '../../services/auth/adapters/passwords/bounded-work-queue.js';
import { startTestAuth } from './support/auth-harness.js';
import { PASSWORD, post } from './support/http-client.js';

describe('bounded password hashing', () => {
  it('when jobs exceed concurrency plus queue, then the extra one is refused at once and the others run in order', async () => {
    const queue = new BoundedWorkQueue({ concurrency: 1, maxWaiting: 2 });
    const gates: Array<() => void> = [];
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const job = (n: number) =>
      queue.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        order.push(n);
        running--;
      });
    const accepted = [job(1), job(2), job(3)];
    const refused = await job(4).then(() => null, (error: unknown) => error);
    expect(isAppError(refused) && { code: refused.code, status: refused.status, retryAfter: refused.headers['Retry-After'] }).toEqual({
      code: 'PASSWORD_HASHING_BUSY',
      status: 503,
      retryAfter: '1',
    });
    while (order.length < 3) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    await Promise.all(accepted);
    expect(order).toEqual([1, 2, 3]);
    expect(most).toBe(1);
  });

  it('when a login storm overflows the queue, then the overflow gets 503 temporarily_unavailable with Retry-After, never a 500', async () => {
    const auth = await startTestAuth({ passwords: new Argon2PasswordHasher(undefined, { concurrency: 1, maxWaiting: 2 }), env: { LOGIN_MAX_FAILURES: '1000' } });
    try {
      expect((await post(auth.url, '/auth/register', { username: 'storm-user', password: PASSWORD })).status).toBe(201);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => post(auth.url, '/auth/login', { username: 'storm-user', password: PASSWORD })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      const busy = answers.filter((a) => a.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      for (const answer of busy) {
        expect(answer.body.error).toBe('temporarily_unavailable');
        expect(answer.headers.get('retry-after')).toBe('1');
      }
    } finally {
      await auth.stop();
    }
  });
});
