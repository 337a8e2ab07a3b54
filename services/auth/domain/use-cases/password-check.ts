import { authErrors } from '../errors.js';
import type { LoginThrottle } from '../login-throttle.js';
import type { AuthEvents } from '../ports/auth-events.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { UserRecord, UserStore } from '../ports/user-store.js';
import { isLocked } from '../users/account-lock.js';
import { canonicalPassword } from '../users/password-policy.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';

export interface PasswordCheckDeps {
  users: UserStore;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  events: AuthEvents;
}

/**
 * The one password check behind every login (the JSON API and the hosted login page). Unknown
 * user, wrong password and locked account take the same path: one argon2id verification
 * (against a dummy hash for unknown users; the real one for a locked account, whose lock is
 * checked only after it) and the same 401 invalid_grant, counted as a failure; too many
 * failures are 429 before any hash runs.
 */
export function createPasswordCheck({ users, passwords, throttle, events }: PasswordCheckDeps) {
  return async function checkPassword(input: { username: string; password: string; clientIp: string }): Promise<UserRecord> {
    const normalized = normalizeUsername(input.username);
    const refused = await throttle.admit(normalized, input.clientIp);
    if (refused) {
      events.loginFinished('rate_limited');
      throw authErrors.tooManyAttempts(refused.retryAfterSeconds);
    }
    const user = await matchingUser(normalized, canonicalPassword(input.password));
    if (!user) {
      await throttle.failed(input.clientIp);
      events.loginFinished('invalid_credentials');
      throw authErrors.invalidGrant('LOGIN_FAILED');
    }
    await throttle.succeeded(normalized);
    return user;
  };

  async function matchingUser(username: string, password: string): Promise<UserRecord | null> {
    // A name no registration could have produced is an unknown user, not a 400: same answer.
    const user = usernameProblem(username) ? null : await users.findByUsername(username);
    if (!user) {
      await passwords.verifyAgainstDummy(password);
      return null;
    }
    const matches = await passwords.verify(user.passwordHash, password);
    // Only after the hash ran: refusing a locked account earlier would answer measurably faster.
    return matches && !isLocked(user) ? user : null;
  }
}

export type PasswordCheck = ReturnType<typeof createPasswordCheck>;
