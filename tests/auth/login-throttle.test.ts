import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, request } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { tokenStoreVariants } from './support/token-stores.js';

const MAX = 3;

for (const variant of tokenStoreVariants) {
  describe.runIf(variant.enabled)(`login throttling on the ${variant.name}`, () => {
    let auth: TestAuth;
    beforeAll(async () => {
      auth = await startTestAuth({ tokens: variant.create, env: { LOGIN_MAX_FAILURES: String(MAX), LOGIN_MAX_FAILURES_PER_IP: '8', LOGIN_FAILURE_WINDOW: '600' } });
    });
    afterAll(async () => {
      await auth?.stop();
      await variant.cleanup();
    });

    /** Each test speaks from its own client IP (the app trusts loopback proxies), so IP counts do not mix. */
    const login = (username: string, password: string, ip: string) =>
      request(auth.url, 'POST', '/auth/login', { json: { username, password }, headers: { 'x-forwarded-for': ip } });

    it('when an account passes the failure limit, then 429 with Retry-After, even for the right password', async () => {
      await post(auth.url, '/auth/register', { username: 'locked', password: PASSWORD });
      for (let i = 0; i < MAX; i++) expect((await login('locked', 'wrong password!!', '10.0.0.1')).status).toBe(401);
      const limited = await login('LOCKED', PASSWORD, '10.0.0.2');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    });

    // Redis windows end by key TTL on the server's clock, which the test clock cannot move.
    it.runIf(variant.name.startsWith('memory'))('when the window has passed, then the account can log in again', async () => {
      await post(auth.url, '/auth/register', { username: 'patient', password: PASSWORD });
      for (let i = 0; i < MAX + 1; i++) await login('patient', 'wrong password!!', '10.0.1.1');
      expect((await login('patient', PASSWORD, '10.0.1.2')).status).toBe(429);
      auth.clock.advance(601_000);
      try {
        expect((await login('patient', PASSWORD, '10.0.1.2')).status).toBe(200);
      } finally {
        auth.clock.advance(-601_000);
      }
    });

    it('when a login succeeds, then the account count starts again from zero', async () => {
      await post(auth.url, '/auth/register', { username: 'forgetful', password: PASSWORD });
      for (let i = 0; i < MAX - 1; i++) expect((await login('forgetful', 'wrong password!!', '10.0.2.1')).status).toBe(401);
      expect((await login('forgetful', PASSWORD, '10.0.2.1')).status).toBe(200);
      for (let i = 0; i < MAX - 1; i++) expect((await login('forgetful', 'wrong password!!', '10.0.2.1')).status).toBe(401);
      expect((await login('forgetful', PASSWORD, '10.0.2.1')).status).toBe(200);
    });

    it('when unknown usernames are guessed, then they are throttled like real ones (no existence oracle)', async () => {
      for (let i = 0; i < MAX; i++) expect((await login('ghost', 'wrong password!!', '10.0.3.1')).status).toBe(401);
      expect((await login('ghost', 'wrong password!!', '10.0.3.1')).status).toBe(429);
    });

    it('when one IP fails across many accounts, then that IP is refused while others are not', async () => {
      for (let i = 0; i < 8; i++) expect((await login(`spray-${i}`, 'wrong password!!', '10.0.4.1')).status).toBe(401);
      const blocked = await login('spray-new', 'wrong password!!', '10.0.4.1');
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBeTruthy();
      expect((await login('spray-new', 'wrong password!!', '10.0.4.2')).status).toBe(401);
    });

    it('when a burst of parallel guesses hits one account, then no more than the limit are checked', async () => {
      await post(auth.url, '/auth/register', { username: 'burst', password: PASSWORD });
      const results = await Promise.all(Array.from({ length: MAX * 3 }, (_, i) => login('burst', 'wrong password!!', `10.0.5.${i + 1}`)));
      expect(results.filter((r) => r.status === 401)).toHaveLength(MAX);
      expect(results.filter((r) => r.status === 429)).toHaveLength(MAX * 2);
    });
  });
}
