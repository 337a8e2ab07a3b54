import { createHash } from 'node:crypto';
import type { AttemptCounter } from '../tokens/token-store.js';

export interface AccountMailThrottleOptions {
  counter: AttemptCounter;
  maxPerAccount: number;
  maxPerIp: number;
  windowSeconds: number;
}

/**
 * How often mails about one account (reset requests, verification resends) may be asked for, and
 * how many reset requests one address may make: counted in the token store (shared by replicas),
 * in the same fixed windows as login failures. The account key is the typed login, hashed: it is
 * counted whether or not an account matches, so a 429 says nothing about existence.
 */
export class AccountMailThrottle {
  constructor(private readonly options: AccountMailThrottleOptions) {}

  /** Counts one request; `{retryAfterSeconds}` when the login or the address is over its limit. */
  async admit(login: string, clientIp: string | undefined): Promise<{ retryAfterSeconds: number } | null> {
    const { counter, maxPerAccount, maxPerIp, windowSeconds } = this.options;
    const account = await counter.recordAttempt(key('account', login), windowSeconds);
    const address = clientIp === undefined ? { count: 0, resetInSeconds: 0 } : await counter.recordAttempt(key('address', clientIp), windowSeconds);
    const over = [account.count > maxPerAccount ? account.resetInSeconds : 0, address.count > maxPerIp ? address.resetInSeconds : 0];
    const wait = Math.max(...over);
    return wait > 0 ? { retryAfterSeconds: wait } : null;
  }
}

function key(kind: 'account' | 'address', value: string): string {
  return `account-mail:${kind}:${createHash('sha256').update(value, 'utf8').digest('base64url')}`;
}
