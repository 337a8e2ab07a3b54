import { isAppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import { acceptablePassword } from '../users/password-policy.js';
import type { AccountFlowDeps } from './account-flow-deps.js';
import type { ConfirmPassword } from './confirm-password.js';
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
export function createPasswordChange(deps: AccountFlowDeps & { confirmPassword: ConfirmPassword }) {
  const { users, passwords, confirmPassword, events } = deps;
  return async function changePassword(input: PasswordChangeInput): Promise<void> {
    const newPassword = renamed(() => acceptablePassword(input.newPassword));
    const user = await confirmPassword({ userId: input.userId, password: input.currentPassword, clientIp: input.clientIp, field: 'current_password' });
    const by = [`account:${user.username}`, `address:${input.clientIp}`];
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
