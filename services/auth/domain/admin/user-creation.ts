import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AdminCaller, AuthEvents } from '../auth-events.js';
import { authErrors } from '../errors.js';
import { acceptableEmail } from '../users/email.js';
import { acceptablePassword } from '../users/password-policy.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import { roleNameSchema } from '../users/roles.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import { acceptableUsername } from '../users/username.js';
import type { UserView, UserViews } from './user-view.js';

/** POST /admin/users: the fields an operator may give (unknown ones are refused by name). */
export const newUserSchema = z.strictObject({
  username: z.string({ error: 'must be a string' }),
  email: z.string({ error: 'must be a string' }).optional(),
  password: z.string({ error: 'must be a string' }).optional(),
  roles: z.array(roleNameSchema).max(50, 'must list at most 50 roles').optional(),
});

export type NewUserInput = z.output<typeof newUserSchema>;

/** What registration gives everyone; an operator may give other roles at once. */
const DEFAULT_ROLES = ['user'];

export interface UserCreationDeps {
  users: UserStore;
  passwords: PasswordHasher;
  /** Mails the set-password link (accounts/invitation.ts `send`). */
  sendInvitation(user: UserRecord & { email: string }): Promise<void>;
  views: UserViews;
  events: AuthEvents;
}

/**
 * An operator makes an account: with a password (ready to sign in), or without one, and then an
 * invitation mail to `email` sets it (the address is verified when the link is used; until then
 * the account has a random password nobody knows). An address given with a password stays
 * unverified unless the operator says otherwise (PATCH email_verified). A failed invitation mail
 * removes the account again: nothing half-made is left behind.
 */
export function createUserCreation({ users, passwords, sendInvitation, views, events }: UserCreationDeps) {
  return async function createUser(input: NewUserInput, by: AdminCaller): Promise<UserView> {
    const username = acceptableUsername(input.username);
    const email = input.email === undefined ? undefined : acceptableEmail(input.email);
    const password = input.password === undefined ? undefined : acceptablePassword(input.password);
    if (password === undefined && email === undefined) throw authErrors.invalidField('email', 'is required without a password (the invitation is mailed there)');
    const roles = [...new Set(input.roles ?? DEFAULT_ROLES)];
    if (await users.findByUsername(username)) throw authErrors.usernameTaken();
    const passwordHash = await passwords.hash(password ?? randomBytes(32).toString('base64url'), [`account:${username}`]);
    const user = await users.create({ username, passwordHash, roles, ...(email === undefined ? {} : { email }) });
    if (password === undefined && email !== undefined) {
      try {
        await sendInvitation({ ...user, email });
      } catch (err) {
        await users.delete(user.id);
        throw err;
      }
    }
    events.userAdministered({ userId: user.id, action: password === undefined ? 'invited' : 'created', by });
    return views.one(user);
  };
}
