import type { SessionEnder } from '../sessions/session-ender.js';
import { AppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import type { AdminCaller, AuthEvents } from '../auth-events.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { SessionSummary } from '../tokens/token-store.js';
import { noSecondFactors, type AccountSecondFactors } from '../users/account-second-factors.js';
import { createUserListing } from './user-listing.js';
import { createUserCreation } from './user-creation.js';
import { createLastAdminGuard } from './last-admin-guard.js';
import { acceptableEmail } from '../users/email.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import { ADMIN_ROLE } from '../users/roles.js';
import { createUserViews, type UserView } from './user-view.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';

export type { UserView } from './user-view.js';

/** PATCH /admin/users/:id, as the route parsed it (`email: null` removes the address). */
export interface UserPatch {
  roles?: string[];
  email?: string | null;
  email_verified?: boolean;
}

const userNotFound = () => new AppError('USER_NOT_FOUND', 404, 'no such user', { error: 'not_found' });

/**
 * Account administration for operators (the admin API and authctl). Locking refuses the account's
 * next login and next refresh (each answers exactly like a wrong password) and ends every login
 * session of the account at once: refresh families and the access tokens carrying their `sid`,
 * on every verifier fed by the revocation feed. Unlocking lets the user log in again; sessions
 * ended while locked stay ended.
 */
/** What the admin API needs besides the user store: the sessions and the reset mail of the account flows. */
export interface UserAdminDeps {
  users: UserStore;
  sessions: {
    findSessions(subject: string): Promise<string[]>;
    listSessions(subject: string, now: number): Promise<SessionSummary[]>;
    endSession: SessionEnder;
  };
  /** Mails a reset link now (accounts/password-reset.ts `sendFor`). */
  sendPasswordReset(userId: string): Promise<'mailed' | 'no_verified_address' | 'not_found'>;
  /** Mails an invitation's set-password link (accounts/invitation.ts `send`). */
  sendInvitation(user: UserRecord & { email: string }): Promise<void>;
  passwords: PasswordHasher;
  events: AuthEvents;
  now: () => number;
  /** Each view's `mfa`; none for everyone until the second-factors capability supplies it. */
  secondFactors?: AccountSecondFactors;
}

export function createUserAdmin({ users, sessions, sendPasswordReset, sendInvitation, passwords, events, now, secondFactors = noSecondFactors }: UserAdminDeps) {
  const views = createUserViews(secondFactors);
  const toUserView = views.one;
  const guard = createLastAdminGuard(users);

  async function existing(id: string): Promise<UserRecord> {
    const user = await users.findById(id);
    if (!user) throw userNotFound();
    return user;
  }

  async function endAll(id: string): Promise<number> {
    const sids = await sessions.findSessions(id);
    for (const sid of sids) await sessions.endSession(sid);
    return sids.length;
  }

  async function setLocked(id: string, locked: boolean, by: AdminCaller): Promise<UserView> {
    const user = await existing(id);
    // Locking the last admin who can sign in is refused like deleting them.
    if (!(await guard.keepingAnAdmin(user, locked, () => users.setLocked(id, locked)))) throw userNotFound();
    if (locked) await endAll(id);
    events.accountLockChanged({ userId: id, locked, by });
    return toUserView(await existing(id));
  }

  /**
   * Replaces the roles (see `setRoles` of the returned API): a role taken away ends every session
   * of the account; the last admin keeps the role (409 last_admin).
   */
  async function replaceRoles(before: UserRecord, roles: readonly string[], by: AdminCaller): Promise<UserRecord> {
    const next = [...new Set(roles)];
    const removed = before.roles.filter((role) => !next.includes(role));
    const updated = await guard.keepingAnAdmin(before, removed.includes(ADMIN_ROLE), () => users.setRoles(before.id, next));
    if (!updated) throw userNotFound();
    const sessionsEnded = removed.length > 0 ? await endAll(before.id) : 0;
    events.rolesChanged({ userId: before.id, roles: next, removed, sessionsEnded, by });
    return updated;
  }

  return {
    /** POST /admin/users (user-creation.ts). */
    createUser: createUserCreation({ users, passwords, sendInvitation, views, events }),

    /** GET /admin/users/:id: the view; 404 for an unknown id. Reading is audited too (user.viewed). */
    async getUser(id: string, by: AdminCaller): Promise<UserView> {
      const view = await toUserView(await existing(id));
      events.userAdministered({ userId: id, action: 'viewed', by });
      return view;
    },

    /**
     * PATCH /admin/users/:id {roles?, email?, email_verified?}: validated whole before anything is
     * written. A new address (or `null`: none) replaces the current one and any pending change, and
     * is unverified unless `email_verified: true` comes with it: the operator vouches for it.
     * `email_verified` alone marks the current address; true without an address is 400.
     */
    async updateUser(id: string, patch: UserPatch, by: AdminCaller): Promise<UserView> {
      if (patch.roles === undefined && patch.email === undefined && patch.email_verified === undefined) throw authErrors.invalidField('body', 'must give roles, email or email_verified');
      const email = patch.email === undefined || patch.email === null ? patch.email : acceptableEmail(patch.email);
      let user = await existing(id);
      const nextEmail = email === undefined ? user.email : (email ?? undefined);
      if (patch.email_verified === true && nextEmail === undefined) throw authErrors.invalidField('email_verified', 'cannot be true for a user without an e-mail address');
      if (patch.roles !== undefined) user = await replaceRoles(user, patch.roles, by);
      if (email !== undefined || patch.email_verified !== undefined) {
        const verified = patch.email_verified ?? (email === undefined ? user.emailVerified : false);
        const state = { emailVerified: nextEmail !== undefined && verified, ...(nextEmail === undefined ? {} : { email: nextEmail }), ...(email === undefined && user.pendingEmail !== undefined ? { pendingEmail: user.pendingEmail } : {}) };
        if (!(await users.setEmailState(id, state))) throw userNotFound();
        events.userAdministered({ userId: id, action: 'email_changed', by });
        user = await existing(id);
      }
      return toUserView(user);
    },

    /** GET /admin/users?query=&limit=&cursor=: one page of the list or a prefix search. */
    listUsers: createUserListing(users, views, events),

    /** By username, spelled any way login accepts ("Alice" finds "alice"); 404 when there is none. */
    async findByUsername(username: unknown): Promise<UserView> {
      if (typeof username !== 'string' || username === '') throw authErrors.invalidField('username', 'is required (one query parameter)');
      const normalized = normalizeUsername(username);
      // A name no registration could have produced names nobody; the store is not asked.
      const user = usernameProblem(normalized) ? null : await users.findByUsername(normalized);
      if (!user) throw userNotFound();
      return toUserView(user);
    },

    /** Idempotent: locking a locked account keeps its first `locked_at`. */
    lock: (id: string, by: AdminCaller) => setLocked(id, true, by),

    /** Idempotent. */
    unlock: (id: string, by: AdminCaller) => setLocked(id, false, by),

    /** GET /admin/users/:id/sessions: the user's live login sessions (as the user sees them, without `current`). */
    async listSessions(id: string) {
      await existing(id);
      const live = await sessions.listSessions(id, now());
      return {
        sessions: live.map((s) => ({ sid: s.sid, created_at: new Date(s.createdAt).toISOString(), last_used_at: new Date(s.lastUsedAt).toISOString(), user_agent: s.userAgent, ip: s.ip })),
      };
    },

    /** DELETE /admin/users/:id/sessions: every session ends (refused at every verifier within a second). */
    async endSessions(id: string, by: AdminCaller): Promise<number> {
      await existing(id);
      const sessionsEnded = await endAll(id);
      events.userAdministered({ userId: id, action: 'sessions_ended', sessionsEnded, by });
      return sessionsEnded;
    },

    /** DELETE /admin/users/:id/sessions/:sid: one session of this user; another user's sid is 404. */
    async endSession(id: string, sid: string, by: AdminCaller): Promise<void> {
      await existing(id);
      if (!(await sessions.findSessions(id)).includes(sid)) throw new AppError('SESSION_NOT_FOUND', 404, 'no such session of this user', { error: 'not_found' });
      await sessions.endSession(sid);
      events.userAdministered({ userId: id, action: 'session_ended', sessionsEnded: 1, by });
    },

    /**
     * DELETE /admin/users/:id: every session ends first (so no token outlives the account), then the
     * record goes; a login racing the delete is swept after it. The id is never reused.
     */
    async deleteUser(id: string, by: AdminCaller): Promise<void> {
      const user = await existing(id);
      let sessionsEnded = 0;
      await guard.keepingAnAdmin(user, true, async () => {
        sessionsEnded = await endAll(id);
        await users.delete(id);
        // Personal data too: a TOTP secret or a passkey must not outlive the account.
        await secondFactors.removeAll(id);
      });
      sessionsEnded += await endAll(id);
      events.userAdministered({ userId: id, action: 'deleted', sessionsEnded, by });
    },

    /**
     * DELETE /admin/users/:id/factors: every second factor of the account goes (a lost device), and
     * every session ends, so nothing signed in with the old factors outlives them.
     */
    async removeSecondFactors(id: string, by: AdminCaller): Promise<void> {
      await existing(id);
      const removed = await secondFactors.removeAll(id);
      const sessionsEnded = removed > 0 ? await endAll(id) : 0;
      events.userAdministered({ userId: id, action: 'factors_removed', sessionsEnded, by });
    },

    /** POST /admin/users/:id/password-reset: the reset link mailed to the user's verified address. */
    async sendPasswordReset(id: string, by: AdminCaller): Promise<void> {
      const outcome = await sendPasswordReset(id);
      if (outcome === 'not_found') throw userNotFound();
      if (outcome === 'no_verified_address') {
        throw new AppError('NO_VERIFIED_EMAIL', 409, 'the user has no verified e-mail address (or is locked): no reset link can be mailed', { error: 'conflict' });
      }
      events.userAdministered({ userId: id, action: 'password_reset_sent', by });
    },

    /**
     * Replaces the user's roles. A role taken away ends every session of the account at once
     * (refresh families and, by their `sid`, every access token on every verifier within a
     * second), so a `roles:` route stops admitting it now, not at the token's exp; a role given
     * shows in the next token (the next login or refresh).
     */
    async setRoles(id: string, roles: readonly string[], by: AdminCaller): Promise<UserView> {
      return toUserView(await replaceRoles(await existing(id), roles, by));
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
