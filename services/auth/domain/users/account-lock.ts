import type { UserRecord } from './user-store.js';

/**
 * Whether an operator has locked the account. Login and refresh treat a locked account exactly as
 * a wrong password (same 401 invalid_grant, after the same argon2 verification), so the answer
 * never tells a caller that the account exists, let alone that it is locked.
 */
export function isLocked(user: Pick<UserRecord, 'lockedAt'>): boolean {
  return user.lockedAt !== null;
}
