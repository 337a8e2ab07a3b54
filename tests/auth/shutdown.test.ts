import { describe, expect, it } from 'vitest';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import type { PasswordHasher } from '../../services/auth/domain/users/password-hasher.js';
import { PASSWORD, post } from './support/http-client.js';
import { startTestAuth } from './support/auth-harness.js';
import { pollUntil } from './contracts/poll.js';

/** A hasher whose verify waits until the test opens the gate, so a login can be held in flight. */
class GatedHasher implements PasswordHasher {
  private readonly real = new Argon2PasswordHasher();
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  waiting = 0;
  hash(password: string) {
    return this.real.hash(password);
  }
  async verify(hash: string, password: string) {
    this.waiting++;
    await this.gate;
    return this.real.verify(hash, password);
  }
  verifyAgainstDummy(password: string) {
    return this.real.verifyAgainstDummy(password);
  }
  release() {
    this.open();
  }
}

describe('graceful shutdown', () => {
  it('when close is called during a login, then the login completes and new connections are refused', async () => {
    const passwords = new GatedHasher();
    const auth = await startTestAuth({ passwords });
    await post(auth.url, '/auth/register', { username: 'inflight', password: PASSWORD });
    const login = post(auth.url, '/auth/login', { username: 'inflight', password: PASSWORD });
    await pollUntil(() => passwords.waiting === 1, { what: 'the login to reach password verification' });

    const closed = auth.stop();
    await pollUntil(
      () => fetch(`${auth.url}/healthz`).then(() => false, () => true),
      { what: 'the server to stop accepting' },
    );
    passwords.release();
    const res = await login;
    expect(res.status).toBe(200);
    expect(typeof res.body.access_token).toBe('string');
    await closed;
  });
});
