import type { SessionEnder } from '../sessions/session-ender.js';
import { AppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import type { AdminCaller, AuthEvents } from '../auth-events.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { SessionSummary } from '../tokens/token-store.js';
import { isLocked } from '../users/account-lock.js';
import type { SecondFactors } from '../mfa/second-factor.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';

/** What the admin API shows of a user: identity and state, never the password hash or e-mail. */
export interface UserView {
  id: string;
  username: string;
  roles: string[];
  locked: boolean;
  /** ISO 8601, or null when the account is not locked. */
  locked_at: string | null;
  created_at: string;
}

export function toUserView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    roles: [...user.roles],
    locked: isLocked(user),
    locked_at: user.lockedAt ? user.lockedAt.toISOString() : null,
    created_at: user.createdAt.toISOString(),
  };
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
  /** The account's second factors (domain/mfa/second-factor.ts): removed by an operator, and with the account. */
  factors: Pick<SecondFactors, 'removeAll'>;
  /** Mails a reset link now (accounts/password-reset.ts `sendFor`). */
  sendPasswordReset(userId: string): Promise<'mailed' | 'no_verified_address' | 'not_found'>;
  events: AuthEvents;
  now: () => number;
}

export function createUserAdmin({ users, sessions, factors, sendPasswordReset, events, now }: UserAdminDeps) {
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
    if (!(await users.setLocked(id, locked))) throw userNotFound();
    if (locked) await endAll(id);
    events.accountLockChanged({ userId: id, locked, by });
    const user = await users.findById(id);
    if (!user) throw userNotFound();
    return toUserView(user);
  }

  return {
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
      await existing(id);
      let sessionsEnded = await endAll(id);
      await users.delete(id);
      // Personal data too: a TOTP secret or a passkey must not outlive the account.
      await factors.removeAll(id);
      sessionsEnded += await endAll(id);
      events.userAdministered({ userId: id, action: 'deleted', sessionsEnded, by });
    },

    /**
     * DELETE /admin/users/:id/factors: every second factor goes (a user who lost their phone and
     * their recovery codes), and every session ends, so whoever holds a session signed in with the
     * old factors must sign in again. Idempotent: a user without factors is 204 too.
     */
    async removeFactors(id: string, by: AdminCaller): Promise<void> {
      await existing(id);
      await factors.removeAll(id);
      const sessionsEnded = await endAll(id);
      events.secondFactorChanged({ change: 'mfa.removed', userId: id, factor: 'all', by, sessionsEnded });
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
      const before = await users.findById(id);
      if (!before) throw userNotFound();
      const next = [...new Set(roles)];
      const updated = await users.setRoles(id, next);
      if (!updated) throw userNotFound();
      const removed = before.roles.filter((role) => !next.includes(role));
      const sessionsEnded = removed.length > 0 ? await endAll(id) : 0;
      events.rolesChanged({ userId: id, roles: next, removed, sessionsEnded, by });
      return toUserView(updated);
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
