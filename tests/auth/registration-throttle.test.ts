import { afterAll, describe, expect, it } from 'vitest';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import { startTestAuth } from './support/auth-harness.js';
import { PASSWORD, post } from './support/http-client.js';
import { tokenStoreVariants } from './support/token-stores.js';

/** Counts argon2 hashes, so a test can see which registrations paid for one. */
class CountingHasher extends Argon2PasswordHasher {
  hashes = 0;
  override hash(password: string) {
    this.hashes++;
    return super.hash(password);
  }
}

describe.each(tokenStoreVariants.filter((v) => v.enabled))('registration throttle ($name)', (variant) => {
  afterAll(() => variant.cleanup());

  it('when a name is taken, then 409 costs no hash; past REGISTRATION_MAX_PER_IP attempts the address gets 429 with Retry-After', async () => {
    const passwords = new CountingHasher();
    const auth = await startTestAuth({ env: { REGISTRATION_MAX_PER_IP: '3' }, passwords, tokens: variant.create });
    try {
      expect((await post(auth.url, '/auth/register', { username: 'taken-name', password: PASSWORD })).status).toBe(201);
      const hashesAfterFirst = passwords.hashes;

      for (let i = 0; i < 2; i++) {
        const again = await post(auth.url, '/auth/register', { username: 'taken-name', password: PASSWORD });
        expect({ status: again.status, error: again.body.error }).toEqual({ status: 409, error: 'username_taken' });
      }
      expect(passwords.hashes).toBe(hashesAfterFirst);

      const refused = await post(auth.url, '/auth/register', { username: 'fresh-name', password: PASSWORD });
      expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 429, error: 'too_many_requests' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(passwords.hashes).toBe(hashesAfterFirst);

      // Logins from the same address share the store but not the counter.
      expect((await post(auth.url, '/auth/login', { username: 'taken-name', password: PASSWORD })).status).toBe(200);
    } finally {
      await auth.stop();
    }
  });

  it('when the input is invalid, then the answer is 400 and no attempt is spent', async () => {
    const auth = await startTestAuth({ env: { REGISTRATION_MAX_PER_IP: '1' }, tokens: variant.create });
    try {
      for (let i = 0; i < 3; i++) expect((await post(auth.url, '/auth/register', { username: 'x', password: 'short' })).status).toBe(400);
      expect((await post(auth.url, '/auth/register', { username: 'valid-name', password: PASSWORD })).status).toBe(201);
    } finally {
      await auth.stop();
    }
  });
});
