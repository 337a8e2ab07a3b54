import { isAppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import type { LoginThrottle } from './login-throttle.js';
import type { AuthEvents } from '../auth-events.js';
import type { HashRequesters, PasswordHasher } from './password-hasher.js';
import type { UserRecord, UserStore } from './user-store.js';
import { isLocked } from './account-lock.js';
import { accountErrors } from '../accounts/account-errors.js';
import { canonicalPassword } from './password-policy.js';
import { normalizeUsername, usernameProblem } from './username.js';

export interface PasswordCheckDeps {
  users: UserStore;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  events: AuthEvents;
  /** EMAIL_VERIFICATION_REQUIRED: the right password of an unverified account gets 403 email_not_verified. */
  emailVerificationRequired?: boolean;
}

/**
 * The one password check behind every login (the JSON API and the hosted login page). Unknown
 * user, wrong password and locked account take the same path: one argon2id verification
 * (against a dummy hash for unknown users; the real one for a locked account, whose lock is
 * checked only after it) and the same 401 invalid_grant, counted as a failure; too many
 * failures are 429 before any hash runs. A check the hasher refuses (503 full, 429 when this
 * account or this address already holds its share of the queue) is not a failure: its attempt
 * is handed back. Every checked outcome is reported once (metrics, audit trail).
 */
export function createPasswordCheck({ users, passwords, throttle, events, emailVerificationRequired = false }: PasswordCheckDeps) {
  return async function checkPassword(input: PasswordCheckInput): Promise<UserRecord> {
    const normalized = normalizeUsername(input.username);
    const where = { clientId: input.clientId, clientIp: input.clientIp };
    const refused = await throttle.admit(normalized, input.clientIp);
    if (refused) {
      events.loginFinished({ outcome: 'rate_limited', ...where });
      throw authErrors.tooManyAttempts(refused.retryAfterSeconds);
    }
    const requesters = [`account:${normalized}`, `address:${input.clientIp}`];
    const { user, refusal } = await match(normalized, canonicalPassword(input.password), requesters).catch(async (err: unknown) => {
      // Best effort: if the store fails too, the caller should hear the first failure.
      await throttle.notChecked(normalized).catch(() => undefined);
      // Past its share of the hashing queue: rate limited too (the alert on them hears a flood).
      if (isAppError(err) && err.status === 429) events.loginFinished({ outcome: 'rate_limited', ...where });
      throw err;
    });
    if (refusal) {
      await throttle.failed(input.clientIp);
      // The typed name is reported only when it is an account's (user set): see AuthEvents.
      events.loginFinished({ outcome: 'invalid_credentials', reason: refusal, userId: user?.id ?? null, username: user?.username ?? null, ...where });
      throw authErrors.invalidGrant('LOGIN_FAILED');
    }
    await throttle.succeeded(normalized);
    if (emailVerificationRequired && !user.emailVerified) {
      // Only after the password matched: to anyone without it, this account looks like any other.
      events.loginFinished({ outcome: 'invalid_credentials', reason: 'email_not_verified', userId: user.id, username: user.username, ...where });
      throw accountErrors.emailNotVerified();
    }
    events.loginFinished({ outcome: 'success', userId: user.id, username: user.username, ...where });
    return user;
  };

  async function match(username: string, password: string, by: HashRequesters): Promise<{ user: UserRecord; refusal?: never } | { user: UserRecord | null; refusal: Refusal }> {
    // A name no registration could have produced is an unknown user, not a 400: same answer.
    const user = usernameProblem(username) ? null : await users.findByUsername(username);
    if (!user) {
      await passwords.verifyAgainstDummy(password, by);
      return { user: null, refusal: 'unknown_user' };
    }
    const matches = await passwords.verify(user.passwordHash, password, by);
    // Only after the hash ran: refusing a locked account earlier would answer measurably faster.
    if (!matches) return { user, refusal: 'wrong_password' };
    return isLocked(user) ? { user, refusal: 'account_locked' } : { user };
  }
}

type Refusal = 'unknown_user' | 'wrong_password' | 'account_locked';

export interface PasswordCheckInput {
  username: string;
  password: string;
  /** Address the request came from (after trusted proxies): the per-IP failure count and the audit trail. */
  clientIp: string;
  /** The client the login is for (the first-party client, or the app of the hosted login page), for the audit trail. */
  clientId: string;
}

export type PasswordCheck = ReturnType<typeof createPasswordCheck>;
