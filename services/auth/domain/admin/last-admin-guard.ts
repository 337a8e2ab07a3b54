import { AppError } from '../../../../lib/errors.js';
import { isLocked } from '../users/account-lock.js';
import { ADMIN_ROLE } from '../users/roles.js';
import type { UserRecord, UserStore } from '../users/user-store.js';

/** How many admins the check reads at most: more than enough to find one other that can sign in. */
const ADMINS_READ = 100;

export const lastAdminError = () =>
  new AppError('LAST_ADMIN', 409, 'this is the last admin who can sign in: make another user admin first (AUTH_ADMIN_TOKEN still works for recovery)', { error: 'last_admin' });

/**
 * Refuses a change that would leave no user with role `admin` who can sign in (not locked):
 * deleting, locking, or taking the role from the last one. Guarded changes run one at a time in
 * this process, each checking after the one before has landed, so two operators removing the
 * last two admins at once get one 409. Across replicas the check and the change are two steps:
 * two calls on two replicas in the same instant can still both pass. AUTH_ADMIN_TOKEN (which the
 * admin API always has) stays the way back in.
 */
export function createLastAdminGuard(users: UserStore) {
  let tail: Promise<unknown> = Promise.resolve();

  async function assertAnotherAdmin(userId: string): Promise<void> {
    const others = (await users.findWithRole(ADMIN_ROLE, ADMINS_READ)).filter((admin) => admin.id !== userId && !isLocked(admin));
    if (others.length === 0) throw lastAdminError();
  }

  return {
    /** Runs `change`; when it takes away `user`'s standing as an admin who can sign in, only after the check. */
    keepingAnAdmin<T>(user: UserRecord, removesAdmin: boolean, change: () => Promise<T>): Promise<T> {
      const counts = user.roles.includes(ADMIN_ROLE) && !isLocked(user);
      if (!counts || !removesAdmin) return change();
      const run = tail.then(async () => {
        await assertAnotherAdmin(user.id);
        return change();
      });
      tail = run.catch(() => {});
      return run;
    },
  };
}

export type LastAdminGuard = ReturnType<typeof createLastAdminGuard>;
