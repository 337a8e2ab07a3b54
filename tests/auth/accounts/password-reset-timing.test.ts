import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, PASSWORD } from '../support/http-client.js';
import { mailsTo, startAccountsAuth, type AccountsAuth } from './account-harness.js';

const ROUNDS = 40;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/**
 * No enumeration by timing: POST /auth/password/forgot for an existing, verified account (which
 * gets a mail) and for a login that matches nothing take about the same time. Interleaved in a
 * random order each round and compared by medians, so load on the machine hits both alike.
 */
describe('password reset request timing', () => {
  let service: AccountsAuth;
  const username = `timing-${process.pid}`;

  beforeAll(async () => {
    // Limits high enough for the rounds: the throttle is tested elsewhere.
    service = await startAccountsAuth({ PASSWORD_RESET_MAX_PER_ACCOUNT: '1000', PASSWORD_RESET_MAX_PER_IP: '1000' });
    await post(service.url, '/auth/register', { username, password: PASSWORD, email: `${username}@example.test` });
    const [mail] = await mailsTo(service.dataDir, `${username}@example.test`);
    expect((await post(service.url, '/auth/email/verify', { token: mail!.token })).status).toBe(204);
  });
  afterAll(() => service?.stop());

  async function timed(login: string): Promise<number> {
    const start = process.hrtime.bigint();
    const res = await post(service.url, '/auth/password/forgot', { login });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(res.status).toBe(202);
    return ms;
  }

  it(`when an existing and a missing login ask ${ROUNDS} times each, interleaved, then their median times are within a factor of 1.5`, async () => {
    // Warm-up: the first requests pay for JIT and connections.
    for (let i = 0; i < 5; i++) await timed(`warm-${i}`);
    const existing: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const pair: Array<[string, number[]]> = [
        [username, existing],
        [`missing-${process.pid}-${i}`, missing],
      ];
      if (Math.random() < 0.5) pair.reverse();
      for (const [login, into] of pair) into.push(await timed(login));
    }
    const [a, b] = [median(existing), median(missing)];
    const ratio = Math.max(a, b) / Math.min(a, b);
    expect(ratio, `median existing ${a.toFixed(2)} ms, missing ${b.toFixed(2)} ms`).toBeLessThan(1.5);
    // The mails of the existing account were all queued (off the request path).
    await mailsTo(service.dataDir, `${username}@example.test`, ROUNDS + 1);
  });
});
