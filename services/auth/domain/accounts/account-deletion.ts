import { AppError } from '../../../../lib/errors.js';
import { NO_PASSWORD_HASH } from '../federation/federated-account.js';
import type { RefreshTokenStore } from '../tokens/token-store.js';
import { tokenError } from '../../../../lib/verifier/errors.js';
import type { AccountFlowDeps } from './account-flow-deps.js';
import type { ConfirmPassword } from './confirm-password.js';
import { endEverySession } from './end-every-session.js';
import { createRecentSignInCheck } from './recent-sign-in.js';

export interface AccountDeletionInput {
  userId: string;
  /** Required for an account with a password; an account without one proves itself by a recent sign-in. */
  password?: string | undefined;
  /** The caller's session (`sid` of its access token). */
  sid?: string | undefined;
  clientIp: string;
}

/**
 * DELETE /auth/account: needs the password (counted as a login failure when wrong, as the
 * password change does); an account made by a federated sign-in, which has none, needs instead
 * a browser session that signed in within the last minutes (recent-sign-in.ts). Every session ends first (refused at every verifier within a second),
 * then the record goes, so no token outlives the account and a refresh finds no user. The
 * username is free again; the id (`sub`) is never reused, so a later account of that name is
 * another subject (docs/accounts.md). Pending verification and reset links need no sweep:
 * spending one needs the user, who is gone, and they expire on their own.
 */
export function createAccountDeletion(
  deps: Pick<AccountFlowDeps, 'users' | 'endTokenSession' | 'events'> & {
    tokens: AccountFlowDeps['tokens'] & Pick<RefreshTokenStore, 'listSessions'>;
    confirmPassword: ConfirmPassword;
    /** The browser session's client (recent-sign-in.ts). */
    firstPartyClientId: string;
    now: () => number;
    /** Removes the account's second factors (personal data, like the record). */
    removeFactors: (userId: string) => Promise<unknown>;
  },
) {
  const { users, tokens, endTokenSession, confirmPassword, events, now, removeFactors } = deps;
  const requireRecentSignIn = createRecentSignInCheck({ tokens, firstPartyClientId: deps.firstPartyClientId, now });

  /** The owner's proof: the password, or for an account without one, a recent sign-in. */
  async function proveOwner(input: AccountDeletionInput) {
    const user = await users.findById(input.userId);
    if (!user) throw tokenError('TOKEN_SUBJECT_GONE');
    if (user.passwordHash === NO_PASSWORD_HASH) {
      await requireRecentSignIn(user.id, input.sid);
      return user;
    }
    if (input.password === undefined) throw new AppError('VALIDATION', 400, 'password: required', { error: 'invalid_request' });
    return confirmPassword({ userId: user.id, password: input.password, clientIp: input.clientIp, field: 'password' });
  }

  return async function deleteAccount(input: AccountDeletionInput): Promise<void> {
    const user = await proveOwner(input);
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
