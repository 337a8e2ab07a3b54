import { authErrors } from '../errors.js';
import type { LoginThrottle } from '../login-throttle.js';
import type { AuthEvents } from '../ports/auth-events.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { UserRecord, UserStore } from '../ports/user-store.js';
import type { Grant, TokenPair, TokenPairIssuer } from '../tokens/token-pair.js';
import { isLocked } from '../users/account-lock.js';
import { canonicalPassword } from '../users/password-policy.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';

export interface LoginInput {
  username: string;
  password: string;
  /** Address the request came from (after trusted proxies), for the per-IP failure count. */
  clientIp: string;
}

export interface LoginDeps {
  users: UserStore;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  tokens: TokenPairIssuer;
  grant: Grant;
  events: AuthEvents;
}

/**
 * Password login. Unknown user, wrong password and locked account take the same path: one argon2id
 * verification (against a dummy hash for unknown users; the real one for a locked account, whose
 * lock is checked only after it) and the same 401 invalid_grant, counted as a failure.
 */
export function createLogin({ users, passwords, throttle, tokens, grant, events }: LoginDeps) {
  return async function login({ username, password, clientIp }: LoginInput): Promise<TokenPair> {
    const normalized = normalizeUsername(username);
    const refused = await throttle.admit(normalized, clientIp);
    if (refused) {
      events.loginFinished('rate_limited');
      throw authErrors.tooManyAttempts(refused.retryAfterSeconds);
    }
    const user = await matchingUser(normalized, canonicalPassword(password));
    if (!user) {
      await throttle.failed(clientIp);
      events.loginFinished('invalid_credentials');
      throw authErrors.invalidGrant('LOGIN_FAILED');
    }
    await throttle.succeeded(normalized);
    const pair = await tokens.startFamily(user, grant);
    events.loginFinished('success');
    events.accessTokenIssued('password');
    return pair;
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
