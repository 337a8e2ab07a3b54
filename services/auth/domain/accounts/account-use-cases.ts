import type { AuthEvents } from '../auth-events.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import type { AuthSettings } from '../settings.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserStore } from '../users/user-store.js';
import { AccountMailThrottle } from './account-mail-throttle.js';
import type { MailQueue } from './account-flow-deps.js';
import type { AccountTokenStore } from './account-token-store.js';
import { createAccountTokens } from './account-tokens.js';
import { createAccountView } from './account-view.js';
import { createBackgroundWork } from './background-work.js';
import { createEmailVerification } from './email-verification.js';
import { createPasswordChange } from './password-change.js';
import { createPasswordReset } from './password-reset.js';
import { createInvitation } from './invitation.js';
import { createAccountDeletion } from './account-deletion.js';
import { createConfirmPassword } from './confirm-password.js';
import { createOwnSessions } from './own-sessions.js';
import type { SecondFactors } from '../mfa/second-factor.js';

export interface AccountUseCaseDeps {
  settings: AuthSettings;
  users: UserStore;
  tokens: TokenStore;
  accountTokenStore: AccountTokenStore;
  mail: MailQueue;
  passwords: PasswordHasher;
  endTokenSession: SessionEnder;
  loginThrottle: LoginThrottle;
  events: AuthEvents;
  now: () => number;
  /** A failure of work done off the request path (a reset request's lookup and mail). */
  onBackgroundError: (err: unknown) => void;
  /** The account's second factors: its `mfa` summary, and removed with the account. */
  factors: Pick<SecondFactors, 'summaryOf' | 'removeAll'>;
}

export type AccountUseCases = ReturnType<typeof createAccountUseCases>;

/** The account's self-service (API.md, "Accounts"): verification, reset, change, the account view, sessions, deletion. */
export function createAccountUseCases(deps: AccountUseCaseDeps) {
  const { settings, tokens } = deps;
  const background = createBackgroundWork(deps.onBackgroundError);
  const flow = {
    ...deps,
    accountTokens: createAccountTokens(deps.accountTokenStore, deps.now),
    throttle: new AccountMailThrottle({
      counter: tokens,
      maxPerAccount: settings.accountMailMaxPerAccount,
      maxPerIp: settings.accountMailMaxPerIp,
      windowSeconds: settings.loginFailureWindowSeconds,
    }),
    background,
    confirmPassword: createConfirmPassword(deps),
  };
  return {
    account: createAccountView(deps.users, (userId) => deps.factors.summaryOf(userId)),
    verification: createEmailVerification(flow),
    reset: createPasswordReset(flow),
    /** Operators' invitations (POST /admin/users without a password) and their set-password page. */
    invitation: createInvitation(flow),
    changePassword: createPasswordChange(flow),
    /** GET /auth/sessions and DELETE /auth/sessions/:sid. */
    sessions: createOwnSessions(deps),
    deleteAccount: createAccountDeletion({ ...flow, firstPartyClientId: settings.firstPartyClientId, removeFactors: (userId) => deps.factors.removeAll(userId) }),
    /** Resolves when the work started off the request path has finished (tests, shutdown). */
    idle: () => background.idle(),
  };
}
