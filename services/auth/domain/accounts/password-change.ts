import { isAppError } from '../../../../lib/errors.js';
import { tokenError } from '../../../../lib/verifier/errors.js';
import { AppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import { acceptablePassword, canonicalPassword } from '../users/password-policy.js';
import type { AccountFlowDeps } from './account-flow-deps.js';
import { endEverySession } from './end-every-session.js';

export interface PasswordChangeInput {
  userId: string;
  /** The caller's session (`sid` of its access token): the one that survives. */
  sid: string | undefined;
  currentPassword: string;
  newPassword: string;
  clientIp: string;
}

/**
 * POST /auth/password/change: needs the current password (a stolen access token alone cannot take
 * the account over), counted as a login failure when wrong so it is no guessing oracle; then the
 * new hash and the end of every other session.
 */
export function createPasswordChange(deps: AccountFlowDeps & { loginThrottle: LoginThrottle }) {
  const { users, passwords, loginThrottle, events } = deps;
  return async function changePassword(input: PasswordChangeInput): Promise<void> {
    const newPassword = renamed(() => acceptablePassword(input.newPassword));
    const user = await users.findById(input.userId);
    if (!user) throw tokenError('TOKEN_SUBJECT_GONE');
    const refused = await loginThrottle.admit(user.username, input.clientIp);
    if (refused) throw authErrors.tooManyAttempts(refused.retryAfterSeconds);
    const by = [`account:${user.username}`, `address:${input.clientIp}`];
    if (!(await passwords.verify(user.passwordHash, canonicalPassword(input.currentPassword), by))) {
      await loginThrottle.failed(input.clientIp);
      throw new AppError('CURRENT_PASSWORD_WRONG', 400, 'current_password is not the account password', { error: 'invalid_grant' });
    }
    await loginThrottle.succeeded(user.username);
    await users.setPasswordHash(user.id, await passwords.hash(newPassword, by));
    const sessionsEnded = await endEverySession(deps, user.id, input.sid);
    events.accountChanged({ change: 'password.changed', userId: user.id, sessionsEnded });
  };
}

/** The policy names `password`; this endpoint's field is `new_password`. */
function renamed(check: () => string): string {
  try {
    return check();
  } catch (err) {
    if (isAppError(err) && err.code === 'INVALID_FIELD') throw authErrors.invalidField('new_password', err.message.replace(/^password: /, ''));
    throw err;
  }
}
