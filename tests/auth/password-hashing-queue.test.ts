import { describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors.js';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import { BoundedWorkQueue } from '../../services/auth/adapters/passwords/bounded-work-queue.js';
import { startTestAuth } from './support/auth-harness.js';
import { PASSWORD, post } from './support/http-client.js';

/** Lets the gated jobs finish one by one until all of `jobs` have. */
async function drain(release: Array<() => void>, jobs: Array<Promise<unknown>>): Promise<void> {
  let done = false;
  void Promise.all(jobs).then(() => (done = true));
  while (!done) {
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

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

  it('when one key holds its share, then its next job is refused with 429 at once, another key still gets in, and the share frees when its jobs end', async () => {
    const queue = new BoundedWorkQueue({ concurrency: 1, maxWaiting: 8, maxPerKey: 2 });
    const release: Array<() => void> = [];
    const job = (keys: string[]) => queue.run(() => new Promise<void>((resolve) => release.push(resolve)), keys);
    const refusal = (keys: string[]) =>
      job(keys).then(
        () => null,
        (error: unknown) => (isAppError(error) ? { code: error.code, status: error.status, error: error.error, retryAfter: error.headers['Retry-After'] } : error),
      );
    const held = [job(['account:a', 'address:1']), job(['account:b', 'address:1'])];
    // Same address, another account: the address's share is used.
    expect(await refusal(['account:c', 'address:1'])).toEqual({ code: 'PASSWORD_HASHING_SHARE_USED', status: 429, error: 'too_many_requests', retryAfter: '1' });
    // Another address, an account that holds one job: admitted; a third job of that account is not.
    held.push(job(['account:a', 'address:2']));
    expect(await refusal(['account:a', 'address:3'])).toMatchObject({ code: 'PASSWORD_HASHING_SHARE_USED' });
    // Keys with nothing held get in while the flooder is capped.
    held.push(job(['account:d', 'address:4']));
    await drain(release, held);
    // Every place handed back: the same keys get their whole share again.
    const again = [job(['account:a', 'address:1']), job(['account:a', 'address:1'])];
    expect(await refusal(['account:a', 'address:1'])).toMatchObject({ status: 429 });
    await drain(release, again);
  });

  it('when a login storm overflows the queue, then the overflow gets 503 temporarily_unavailable with Retry-After, never a 500', async () => {
    // One account from one address: its share is the whole queue here, so only capacity refuses.
    const auth = await startTestAuth({ passwords: new Argon2PasswordHasher(undefined, { concurrency: 1, maxWaiting: 2, maxPerKey: 12 }), env: { LOGIN_MAX_FAILURES: '1000' } });
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
