import type { RefreshTokenStore } from '../tokens/token-store.js';
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
export function createAccountDeletion(
  deps: Pick<AccountFlowDeps, 'users' | 'endTokenSession' | 'events'> & {
    tokens: AccountFlowDeps['tokens'] & Pick<RefreshTokenStore, 'listSessions'>;
    confirmPassword: ConfirmPassword;
    now: () => number;
    /** Removes the account's second factors (personal data, like the record). */
    removeFactors: (userId: string) => Promise<unknown>;
  },
) {
  const { users, tokens, endTokenSession, confirmPassword, events, now, removeFactors } = deps;
  return async function deleteAccount(input: AccountDeletionInput): Promise<void> {
    const user = await confirmPassword({ ...input, field: 'password' });
    // Sessions first: if ending them fails, the account is still there and the user can retry.
    let sessionsEnded = await endEverySession(deps, user.id);
    await users.delete(user.id);
    await removeFactors(user.id);
    // A login whose password check passed just before the delete may have started a family since.
    for (const late of await tokens.listSessions(user.id, now())) {
      await endTokenSession(late.sid);
      sessionsEnded += 1;
    }
    events.accountChanged({ change: 'account.deleted', userId: user.id, sessionsEnded, clientIp: input.clientIp });
  };
}
