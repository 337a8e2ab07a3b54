import { isLocked } from '../users/account-lock.js';
import type { MfaSummary, AccountSecondFactors } from '../users/account-second-factors.js';
import type { UserRecord } from '../users/user-store.js';

/**
 * What the admin API shows of a user: identity and state. Built field by field (never by spreading
 * the record), so the password hash, a pending address or anything a store adds can never leak.
 */
export interface UserView {
  id: string;
  username: string;
  /** The current address, or null; a pending change is not shown until it is verified. */
  email: string | null;
  email_verified: boolean;
  roles: string[];
  locked: boolean;
  /** ISO 8601, or null when the account is not locked. */
  locked_at: string | null;
  created_at: string;
  mfa: MfaSummary;
}

export function toUserView(user: UserRecord, mfa: MfaSummary): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email ?? null,
    email_verified: user.email !== undefined && user.emailVerified,
    roles: [...user.roles],
    locked: isLocked(user),
    locked_at: user.lockedAt ? user.lockedAt.toISOString() : null,
    created_at: user.createdAt.toISOString(),
    mfa: { totp: mfa.totp, passkeys: mfa.passkeys, recovery_codes_left: mfa.recovery_codes_left },
  };
}

/** Views of `users` with each one's second factors read through the port. */
export function createUserViews(secondFactors: AccountSecondFactors) {
  return {
    one: async (user: UserRecord): Promise<UserView> => toUserView(user, await secondFactors.summaryOf(user.id)),
    many: (users: UserRecord[]): Promise<UserView[]> => Promise.all(users.map(async (user) => toUserView(user, await secondFactors.summaryOf(user.id)))),
  };
}

export type UserViews = ReturnType<typeof createUserViews>;
