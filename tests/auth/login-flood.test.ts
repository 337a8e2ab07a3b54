import { afterAll, describe, expect, it } from 'vitest';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import type { BoundedWorkQueueOptions } from '../../services/auth/adapters/passwords/bounded-work-queue.js';
import { startTestAuth, type TestAuth, type TestAuthOptions } from './support/auth-harness.js';
import { PASSWORD, request, type JsonResponse } from './support/http-client.js';
import { tokenStoreVariants } from './support/token-stores.js';

/**
 * Issue 22, point 5: one account's (or one address's) flood of correct-password logins must not
 * take the whole password-hashing queue, and a 503 for capacity must never count as a failure.
 * Real auth over HTTP, real argon2, a small queue so a few loops fill it.
 */

/** Each caller speaks from its own address: the app trusts loopback proxies, as behind the gateway. */
const login = (auth: TestAuth, username: string, ip: string, password = PASSWORD) =>
  request(auth.url, 'POST', '/auth/login', { json: { username, password }, headers: { 'x-forwarded-for': ip } });

async function register(auth: TestAuth, username: string, ip: string): Promise<void> {
  const answer = await request(auth.url, 'POST', '/auth/register', { json: { username, password: PASSWORD }, headers: { 'x-forwarded-for': ip } });
  if (answer.status !== 201) throw new Error(`register ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** `loops` callers logging in back to back, as an attacker would (no Retry-After honoured), until stopped. */
function flood(loops: number, once: (loop: number) => Promise<JsonResponse>) {
  let stopped = false;
  const statuses: number[] = [];
  const refusals: JsonResponse[] = [];
  const running = Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (!stopped) {
        const answer = await once(loop);
        statuses.push(answer.status);
        if (answer.status === 429 && refusals.length < 5) refusals.push(answer);
      }
    }),
  );
  return {
    statuses,
    refusals,
    /** Resolves once at least `count` answers came back, or throws at the deadline. */
    async answered(count: number, deadlineMs = 20_000): Promise<void> {
      const deadline = Date.now() + deadlineMs;
      while (statuses.length < count) {
        if (Date.now() > deadline) throw new Error(`the flood got ${statuses.length} answers, wanted ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

const SMALL_QUEUE: BoundedWorkQueueOptions = { concurrency: 1, maxWaiting: 6, maxPerKey: 2 };

async function withAuth(options: TestAuthOptions, queue: BoundedWorkQueueOptions, run: (auth: TestAuth) => Promise<void>): Promise<void> {
  const auth = await startTestAuth({ ...options, passwords: new Argon2PasswordHasher(undefined, queue) });
  try {
    await run(auth);
  } finally {
    await auth.stop();
  }
}

for (const variant of tokenStoreVariants) {
  // Floods on a shared, loaded machine: more than the default 30 s per test is allowed.
  describe.runIf(variant.enabled)(`a login flood on the ${variant.name}`, { timeout: 90_000 }, () => {
    afterAll(() => variant.cleanup());
    const env = { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '1000', REGISTRATION_MAX_PER_IP: '1000' };

    it('when one account floods correct logins from one address, then the victim logs in every time and is never locked out', async () => {
      await withAuth({ env, tokens: variant.create }, SMALL_QUEUE, async (auth) => {
        await register(auth, 'flooder', '203.0.113.66');
        await register(auth, 'victim', '198.51.100.7');
        const attack = flood(16, () => login(auth, 'flooder', '203.0.113.66'));
        try {
          await attack.answered(50);
          const victim: number[] = [];
          for (let i = 0; i < 6; i++) victim.push((await login(auth, 'victim', '198.51.100.7')).status);
          expect(victim).toEqual([200, 200, 200, 200, 200, 200]);
        } finally {
          await attack.stop();
        }
        // The attacker was held to its share: refused with 429 and Retry-After, not 503 for everyone
        // (its own parallel attempts may also pass its own account's limit: 429 as well).
        expect(attack.statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
        expect(attack.refusals.length).toBeGreaterThan(0);
        for (const refused of attack.refusals) {
          expect(refused.body.error).toBe('too_many_requests');
          expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        }
        expect((await login(auth, 'victim', '198.51.100.7')).status).toBe(200);
        // Counted as rate-limited logins, which AuthLoginRateLimitStorm watches.
        const metrics = await (await fetch(`${auth.url}/metrics`)).text();
        expect(Number(/^auth_logins_total\{[^}]*outcome="rate_limited"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
      });
    });

    it('when the hashing queue is full, then its 503s do not count towards the account failure limit', async () => {
      // A share as big as the queue: only the queue's capacity refuses here.
      await withAuth({ env, tokens: variant.create }, { concurrency: 1, maxWaiting: 2, maxPerKey: 3 }, async (auth) => {
        await register(auth, 'unlucky', '198.51.100.8');
        // Registrations fill the queue: they hash too, and no failure count ever stops them.
        let joined = 0;
        const attack = flood(16, (i) =>
          request(auth.url, 'POST', '/auth/register', { json: { username: `crowd-${joined++}`, password: PASSWORD }, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } }),
        );
        let busyInARow = 0;
        try {
          await attack.answered(30);
          const deadline = Date.now() + 30_000;
          // More 503s in a row than the failure limit (3), each for the right password (a 200 in
          // between would clear the count, so only a run of them shows whether they counted).
          while (busyInARow <= 3 && Date.now() < deadline) {
            const answer = await login(auth, 'unlucky', '198.51.100.8');
            expect([200, 503]).toContain(answer.status);
            busyInARow = answer.status === 503 ? busyInARow + 1 : 0;
          }
        } finally {
          await attack.stop();
        }
        expect(busyInARow).toBeGreaterThan(3);
        const after = await login(auth, 'unlucky', '198.51.100.8');
        expect({ status: after.status, error: after.body.error }).toEqual({ status: 200, error: undefined });
      });
    });

    it('when one address floods logins across many accounts, then it is held to its share while other addresses get in', async () => {
      await withAuth({ env, tokens: variant.create }, SMALL_QUEUE, async (auth) => {
        const accounts = Array.from({ length: 8 }, (_, i) => `spread-${i}`);
        for (const name of accounts) await register(auth, name, '203.0.113.77');
        await register(auth, 'neighbour', '198.51.100.9');
        const attack = flood(16, (i) => login(auth, accounts[i % accounts.length] ?? 'spread-0', '203.0.113.77'));
        try {
          await attack.answered(50);
          const neighbour: number[] = [];
          for (let i = 0; i < 6; i++) neighbour.push((await login(auth, 'neighbour', '198.51.100.9')).status);
          expect(neighbour).toEqual([200, 200, 200, 200, 200, 200]);
        } finally {
          await attack.stop();
        }
        expect(attack.statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
        expect(attack.refusals.map((r) => r.body.error)).toContain('too_many_requests');
      });
    });
  });
}

describe('the per-caller hashing share at registration', () => {
  it('when one address sends parallel registrations, then the ones past its share get 429 with Retry-After and no 503', async () => {
    await withAuth({ env: { REGISTRATION_MAX_PER_IP: '1000' } }, { concurrency: 1, maxWaiting: 8, maxPerKey: 1 }, async (auth) => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          request(auth.url, 'POST', '/auth/register', { json: { username: `joiner-${i}`, password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.88' } }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
      expect(statuses).toContain(201);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        expect(answer.body.error).toBe('too_many_requests');
        expect(answer.headers.get('retry-after')).toBe('1');
      }
      // Another address is not held back by the first one's share.
      const other = await request(auth.url, 'POST', '/auth/register', { json: { username: 'joiner-other', password: PASSWORD }, headers: { 'x-forwarded-for': '198.51.100.10' } });
      expect(other.status).toBe(201);
    });
  });
});
