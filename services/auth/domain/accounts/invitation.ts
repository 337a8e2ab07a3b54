import { MAIL_TEMPLATES } from '../mail/mail-templates.js';
import { mailLinkUrl, renderMail } from '../mail/render-mail.js';
import { acceptablePassword } from '../users/password-policy.js';
import type { UserRecord } from '../users/user-store.js';
import { accountErrors } from './account-errors.js';
import type { AccountFlowDeps } from './account-flow-deps.js';
import { fingerprint } from './account-tokens.js';
import { endEverySession } from './end-every-session.js';
import { acceptableToken } from './token-field.js';

/** The hosted page an invitation links to (the reset page's form, with the invitation's words). */
export const INVITATION_PAGE_PATH = '/account/set-password';

/**
 * What an invitation link was issued against: the account's placeholder password hash and the
 * invited address. Setting a password (by this link, a reset or an operator) or changing the
 * address makes the link stale, so it can never verify an address it was not sent to.
 */
const bindingOf = (user: Pick<UserRecord, 'passwordHash'> & { email: string }) => fingerprint(`${user.passwordHash}\u0000${user.email}`);

/**
 * Invitations (POST /admin/users without a password): the account is made with a password nobody
 * knows, and a single-use link (purpose `invitation`, INVITATION_TTL) goes to its address. The
 * link's page sets the first password, and following it proves the address, which becomes verified.
 * Issued and spent through the same account tokens as a reset (only hashes stored, spent once).
 */
export function createInvitation(deps: AccountFlowDeps) {
  const { settings, users, accountTokens, mail, passwords, events } = deps;
  return {
    /** Mails the link (through the outbox: never waits for the mail server). */
    async send(user: UserRecord & { email: string }): Promise<void> {
      const token = await accountTokens.issue({ purpose: 'invitation', userId: user.id, binding: bindingOf(user), ttlSeconds: settings.invitationTtlSeconds });
      const link = mailLinkUrl(settings.publicUrl, { path: INVITATION_PAGE_PATH, query: { token } });
      const hours = String(Math.max(1, Math.round(settings.invitationTtlSeconds / 3600)));
      await mail.enqueue(renderMail(MAIL_TEMPLATES.invitation, user.email, link, { username: user.username, hours }));
    },

    /**
     * The link's form: checks the password before the token is spent (a weak one leaves the link
     * usable), then sets it, marks the invited address verified, and ends any session (there
     * should be none: nobody knew the password). 400 invalid_grant for a bad, used or stale link.
     */
    async accept(input: { token: unknown; password: string }): Promise<void> {
      const token = acceptableToken(input.token);
      const password = acceptablePassword(input.password);
      const record = await accountTokens.consume('invitation', token);
      if (!record) throw accountErrors.invalidToken('INVITATION_TOKEN_INVALID');
      const user = await users.findById(record.userId);
      if (!user || user.email === undefined || bindingOf({ passwordHash: user.passwordHash, email: user.email }) !== record.binding) throw accountErrors.invalidToken('INVITATION_TOKEN_STALE');
      const passwordHash = await passwords.hash(password, [`account:${user.username}`]);
      await users.setPasswordHash(user.id, passwordHash);
      await users.setEmailState(user.id, { email: user.email, emailVerified: true });
      await endEverySession(deps, user.id);
      events.accountChanged({ change: 'invitation.accepted', userId: user.id });
    },
  };
}

export type Invitation = ReturnType<typeof createInvitation>;
