import { AppError } from '../../../../lib/errors.js';
import { tokenError } from '../../../../lib/verifier/errors.js';
import { authErrors } from '../errors.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import { canonicalPassword } from '../users/password-policy.js';
import type { UserRecord, UserStore } from '../users/user-store.js';

export interface ConfirmPasswordDeps {
  users: Pick<UserStore, 'findById'>;
  passwords: PasswordHasher;
  loginThrottle: LoginThrottle;
}

/**
 * The signed-in user proves the account password again before an act a stolen access token
 * alone must not do (a password change, the account's deletion). It is throttled and counted
 * exactly as a login is, so these endpoints are no guessing oracle. A wrong one is 400
 * `invalid_grant` naming `field`. Resolves the user.
 */
export function createConfirmPassword({ users, passwords, loginThrottle }: ConfirmPasswordDeps) {
  return async function confirmPassword(input: { userId: string; password: string; clientIp: string; field: string }): Promise<UserRecord> {
    const user = await users.findById(input.userId);
    if (!user) throw tokenError('TOKEN_SUBJECT_GONE');
    const refused = await loginThrottle.admit(user.username, input.clientIp);
    if (refused) throw authErrors.tooManyAttempts(refused.retryAfterSeconds);
    const by = [`account:${user.username}`, `address:${input.clientIp}`];
    if (!(await passwords.verify(user.passwordHash, canonicalPassword(input.password), by))) {
      await loginThrottle.failed(input.clientIp);
      throw new AppError('CURRENT_PASSWORD_WRONG', 400, `${input.field} is not the account password`, { error: 'invalid_grant' });
    }
    await loginThrottle.succeeded(user.username);
    return user;
  };
}

export type ConfirmPassword = ReturnType<typeof createConfirmPassword>;
