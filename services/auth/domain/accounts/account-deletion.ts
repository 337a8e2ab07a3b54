import type { AccountFlowDeps } from './account-flow-deps.js';
import type { ConfirmPassword } from './confirm-password.js';
import { endEverySession } from './end-every-session.js';

export interface AccountDeletionInput {
  userId: string;
  password: string;
  clientIp: string;
}

/**
 * DELETE /auth/account: needs the password (counted as a login failure when wrong, as the
 * password change does). Every session ends first (refused at every verifier within a second),
 * then the record goes, so no token outlives the account and a refresh finds no user. The
 * username is free again; the id (`sub`) is never reused, so a later account of that name is
 * another subject (docs/accounts.md). Pending verification and reset links need no sweep:
 * spending one needs the user, who is gone, and they expire on their own.
 */
export function createAccountDeletion(deps: Pick<AccountFlowDeps, 'users' | 'tokens' | 'endTokenSession' | 'events'> & { confirmPassword: ConfirmPassword }) {
  const { users, confirmPassword, events } = deps;
  return async function deleteAccount(input: AccountDeletionInput): Promise<void> {
    const user = await confirmPassword({ ...input, field: 'password' });
    const sessionsEnded = await endEverySession(deps, user.id);
    await users.delete(user.id);
    events.accountChanged({ change: 'account.deleted', userId: user.id, sessionsEnded, clientIp: input.clientIp });
  };
}
