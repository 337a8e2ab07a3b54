import { authErrors } from '../errors.js';
import { MAIL_TEMPLATES } from '../mail/mail-templates.js';
import { mailLinkUrl, renderMail } from '../mail/render-mail.js';
import { isLocked } from '../users/account-lock.js';
import { acceptablePassword } from '../users/password-policy.js';
import type { UserRecord } from '../users/user-store.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';
import { accountErrors } from './account-errors.js';
import type { AccountFlowDeps } from './account-flow-deps.js';
import { fingerprint } from './account-tokens.js';
import { endEverySession } from './end-every-session.js';
import { acceptableToken } from './token-field.js';

/** A login is a username or an address: RFC 5321's path limit bounds both. */
const MAX_LOGIN_LENGTH = 254;

export interface ForgotInput {
  login: string;
  clientIp: string;
}

/**
 * Password reset by mailed link. The request answers the same (202, same body) in the same time
 * whatever the login matches: on the request path only the input check and the throttle run (both
 * independent of any account); the lookup, the token and the mail happen afterwards, off the
 * request path. A link goes only to a verified address, never for a locked account, and is bound
 * to the password hash it replaces, so a reset or a change makes every older link worthless.
 */
export function createPasswordReset(deps: AccountFlowDeps) {
  const { settings, users, accountTokens, mail, passwords, throttle, background, events } = deps;

  async function accountsFor(login: string): Promise<UserRecord[]> {
    // Usernames may hold '@', so a login is tried as both; the same two lookups every time.
    const normalized = normalizeUsername(login);
    const [byName, byEmail] = await Promise.all([usernameProblem(normalized) ? null : users.findByUsername(normalized), users.findByEmail(login)]);
    const found = new Map<string, UserRecord>();
    for (const user of [byName, ...byEmail]) if (user) found.set(user.id, user);
    return [...found.values()];
  }

  async function mailLink(user: UserRecord & { email: string }): Promise<void> {
    const token = await accountTokens.issue({ purpose: 'password-reset', userId: user.id, binding: fingerprint(user.passwordHash), ttlSeconds: settings.passwordResetTtlSeconds });
    const link = mailLinkUrl(settings.publicUrl, { path: '/account/reset-password', query: { token } });
    const minutes = String(Math.max(1, Math.round(settings.passwordResetTtlSeconds / 60)));
    await mail.enqueue(renderMail(MAIL_TEMPLATES['password-reset'], user.email, link, { username: user.username, minutes }));
  }

  return {
    /** POST /auth/password/forgot: 202 whatever happens next; 400 for a malformed login, 429 over the limits. */
    async forgot(input: ForgotInput): Promise<void> {
      const login = input.login.trim();
      if (login.length === 0 || login.length > MAX_LOGIN_LENGTH) throw authErrors.invalidField('login', `must be a username or an e-mail address of at most ${MAX_LOGIN_LENGTH} characters`);
      const refused = await throttle.admit(normalizeUsername(login), input.clientIp);
      if (refused) throw accountErrors.tooManyRequests(refused.retryAfterSeconds);
      background.run(async () => {
        let userId: string | null = null;
        let mailed = false;
        for (const user of await accountsFor(login)) {
          userId = user.id;
          if (user.email === undefined || !user.emailVerified || isLocked(user)) continue;
          await mailLink({ ...user, email: user.email });
          mailed = true;
        }
        events.accountChanged({ change: 'password.reset_requested', userId, mailed, clientIp: input.clientIp });
      });
    },

    /**
     * An operator's POST /admin/users/:id/password-reset: the same link, mailed now (off the
     * request path like every mail). Only to a verified address of an unlocked account.
     */
    async sendFor(userId: string): Promise<'mailed' | 'no_verified_address' | 'not_found'> {
      const user = await users.findById(userId);
      if (!user) return 'not_found';
      if (user.email === undefined || !user.emailVerified || isLocked(user)) return 'no_verified_address';
      await mailLink({ ...user, email: user.email });
      return 'mailed';
    },

    /**
     * POST /auth/password/reset: the fields are checked before the token is spent (a weak password
     * leaves the link usable); then the token, the new hash, and the end of every session.
     */
    async reset(input: { token: unknown; password: string }): Promise<void> {
      const token = acceptableToken(input.token);
      const password = acceptablePassword(input.password);
      const record = await accountTokens.consume('password-reset', token);
      if (!record) throw accountErrors.invalidToken('RESET_TOKEN_INVALID');
      const user = await users.findById(record.userId);
      if (!user || fingerprint(user.passwordHash) !== record.binding) throw accountErrors.invalidToken('RESET_TOKEN_STALE');
      const passwordHash = await passwords.hash(password, [`account:${user.username}`]);
      await users.setPasswordHash(user.id, passwordHash);
      const sessionsEnded = await endEverySession(deps, user.id);
      events.accountChanged({ change: 'password.reset', userId: user.id, sessionsEnded });
    },
  };
}

export type PasswordReset = ReturnType<typeof createPasswordReset>;
