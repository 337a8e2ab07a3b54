import type { SessionEnder } from '../sessions/session-ender.js';
import { AppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import type { AdminCaller, AuthEvents } from '../auth-events.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import { isLocked } from '../users/account-lock.js';
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
export function createUserAdmin({ users, sessions, events }: { users: UserStore; sessions: { findSessions(subject: string): Promise<string[]>; endSession: SessionEnder }; events: AuthEvents }) {
  async function setLocked(id: string, locked: boolean, by: AdminCaller): Promise<UserView> {
    if (!(await users.setLocked(id, locked))) throw userNotFound();
    if (locked) for (const sid of await sessions.findSessions(id)) await sessions.endSession(sid);
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
      let sessionsEnded = 0;
      if (removed.length > 0) {
        for (const sid of await sessions.findSessions(id)) {
          await sessions.endSession(sid);
          sessionsEnded++;
        }
      }
      events.rolesChanged({ userId: id, roles: next, removed, sessionsEnded, by });
      return toUserView(updated);
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
