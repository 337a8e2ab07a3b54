import { createHash } from 'node:crypto';
import type { AttemptCounter } from '../tokens/token-store.js';

export interface LoginThrottleOptions {
  counter: AttemptCounter;
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  /** Registration attempts per client IP within the window before 429. */
  maxRegistrationsPerIp: number;
  windowSeconds: number;
}

/**
 * Limits password guessing per account and per client IP, in the shared token store so every
 * replica counts together. Counting is by the presented username whether or not it exists, so
 * the 429 itself reveals nothing about which accounts exist.
 */
export class LoginThrottle {
  constructor(private readonly options: LoginThrottleOptions) {}

  /**
   * Admits a login attempt (null) or refuses it with the seconds until it may be retried. The
   * account's attempt is counted here, before the password is checked, so a burst of parallel
   * guesses cannot all slip in under the limit (on every replica: the count is shared); a
   * successful login then clears it (`succeeded`), and an attempt whose password was never
   * checked (hashing refused it: 503 full, 429 share) is handed back (`notChecked`). What stays
   * counted is a password that was checked and wrong.
   */
  async admit(username: string, clientIp: string): Promise<{ retryAfterSeconds: number } | null> {
    const { counter, maxFailuresPerAccount, maxFailuresPerIp, windowSeconds } = this.options;
    const ip = await counter.peekAttempts(ipKey(clientIp));
    if (ip.count >= maxFailuresPerIp) return { retryAfterSeconds: ip.resetInSeconds };
    const account = await counter.recordAttempt(accountKey(username), windowSeconds);
    if (account.count > maxFailuresPerAccount) return { retryAfterSeconds: account.resetInSeconds };
    return null;
  }

  /**
   * The password was never checked (no hashing capacity, or another failure before the answer):
   * the attempt admit() counted is taken back, so a victim of someone else's flood is not locked
   * out by the 503s it got.
   */
  async notChecked(username: string): Promise<void> {
    await this.options.counter.releaseAttempt(accountKey(username));
  }

  /** The password was wrong: the account attempt stays counted and the IP gets a failure. */
  async failed(clientIp: string): Promise<void> {
    await this.options.counter.recordAttempt(ipKey(clientIp), this.options.windowSeconds);
  }

  /**
   * Admits a registration attempt from `clientIp` (null) or refuses it with the seconds until it
   * may be retried. Every attempt counts, taken or not: a 409 username_taken tells whether a name
   * exists, so this bounds how fast anyone can ask.
   */
  async admitRegistration(clientIp: string): Promise<{ retryAfterSeconds: number } | null> {
    const { counter, maxRegistrationsPerIp, windowSeconds } = this.options;
    const attempts = await counter.recordAttempt(registrationKey(clientIp), windowSeconds);
    return attempts.count > maxRegistrationsPerIp ? { retryAfterSeconds: attempts.resetInSeconds } : null;
  }

  /** The right password resets the account's count (the IP's stays: it may be guessing others). */
  async succeeded(username: string): Promise<void> {
    await this.options.counter.clearAttempts(accountKey(username));
  }
}

/** Hashed so that any presented string makes a short, safe key and usernames stay out of the store. */
function accountKey(username: string): string {
  return `login-failures:account:${createHash('sha256').update(username, 'utf8').digest('base64url')}`;
}

function registrationKey(ip: string): string {
  return `registrations:ip:${ip}`;
}

function ipKey(ip: string): string {
  return `login-failures:ip:${ip}`;
}
