import { tokenError } from '../../../../lib/verifier/errors.js';
import { MAIL_TEMPLATES } from '../mail/mail-templates.js';
import { mailLinkUrl, renderMail } from '../mail/render-mail.js';
import { acceptableEmail } from '../users/email.js';
import type { UserRecord } from '../users/user-store.js';
import { accountErrors } from './account-errors.js';
import type { AccountFlowDeps } from './account-flow-deps.js';
import { acceptableToken } from './token-field.js';

/**
 * E-mail verification: a single-use link per address (bound to it, so a link for an address the
 * account no longer has or wants is worth nothing), sent at registration, on a change of address
 * and on request. A changed address waits as `pendingEmail` and replaces `email` only when its
 * link is followed, so a typo or someone else's address never takes over the account's mail.
 */
export function createEmailVerification({ settings, users, accountTokens, mail, throttle, events }: AccountFlowDeps) {
  async function send(user: Pick<UserRecord, 'id' | 'username'>, address: string): Promise<void> {
    const token = await accountTokens.issue({ purpose: 'email-verification', userId: user.id, binding: address, ttlSeconds: settings.emailVerificationTtlSeconds });
    const link = mailLinkUrl(settings.publicUrl, { path: '/account/verify-email', query: { token } });
    const hours = String(Math.max(1, Math.round(settings.emailVerificationTtlSeconds / 3600)));
    await mail.enqueue(renderMail(MAIL_TEMPLATES['email-verification'], address, link, { username: user.username, hours }));
  }

  /** The address still waiting for its link: the pending one, else an unverified current one. */
  const unverifiedAddress = (user: UserRecord) => user.pendingEmail ?? (user.email !== undefined && !user.emailVerified ? user.email : undefined);

  async function account(userId: string): Promise<UserRecord> {
    const user = await users.findById(userId);
    if (!user) throw tokenError('TOKEN_SUBJECT_GONE');
    return user;
  }

  return {
    /** After registration: a link to the address given, if any. */
    async registered(user: UserRecord): Promise<void> {
      const address = unverifiedAddress(user);
      if (address !== undefined) await send(user, address);
    },

    /** POST /auth/email/verify: spends the token; the address it was sent to becomes the verified one. */
    async verify(rawToken: unknown): Promise<void> {
      const token = acceptableToken(rawToken);
      const record = await accountTokens.consume('email-verification', token);
      if (!record) throw accountErrors.invalidToken('EMAIL_TOKEN_INVALID');
      const user = await users.findById(record.userId);
      if (!user) throw accountErrors.invalidToken('EMAIL_TOKEN_USER_GONE');
      const address = record.binding;
      if (user.pendingEmail === address) {
        await users.setEmailState(user.id, { email: address, emailVerified: true });
      } else if (user.email === address) {
        await users.setEmailState(user.id, { email: address, emailVerified: true, ...(user.pendingEmail === undefined ? {} : { pendingEmail: user.pendingEmail }) });
      } else {
        // The account moved on to another address since this link was sent.
        throw accountErrors.invalidToken('EMAIL_TOKEN_STALE');
      }
      events.accountChanged({ change: 'email.verified', userId: user.id });
    },

    /** POST /auth/email/resend: a new link to the address still waiting, if there is one; throttled per account. */
    async resend(userId: string): Promise<void> {
      const refused = await throttle.admit(`user:${userId}`, undefined);
      if (refused) throw accountErrors.tooManyRequests(refused.retryAfterSeconds);
      const user = await account(userId);
      const address = unverifiedAddress(user);
      if (address !== undefined) await send(user, address);
    },

    /** PUT /auth/account/email: the new address waits (pending) for its link; the current one stays until then. */
    async change(userId: string, rawEmail: string): Promise<void> {
      const email = acceptableEmail(rawEmail);
      const refused = await throttle.admit(`user:${userId}`, undefined);
      if (refused) throw accountErrors.tooManyRequests(refused.retryAfterSeconds);
      const user = await account(userId);
      if (user.email === email && user.emailVerified) {
        // Back to the verified address: nothing to prove, a pending change is dropped.
        await users.setEmailState(user.id, { email, emailVerified: true });
        return;
      }
      await users.setEmailState(user.id, { ...(user.email === undefined ? {} : { email: user.email }), emailVerified: user.emailVerified, pendingEmail: email });
      await send(user, email);
    },
  };
}

export type EmailVerification = ReturnType<typeof createEmailVerification>;
