import type { PasswordHasher } from '../ports/password-hasher.js';
import type { UserStore } from '../ports/user-store.js';
import { acceptableEmail } from '../users/email.js';
import { acceptablePassword } from '../users/password-policy.js';
import { acceptableUsername } from '../users/username.js';

export interface RegisterInput {
  username: string;
  password: string;
  email?: string;
}

export interface RegisteredUser {
  id: string;
  username: string;
}

/** Every account starts as a plain user; further roles are granted by an administrator. */
const NEW_USER_ROLES: string[] = ['user'];

/**
 * Creates an account. Every check runs before anything is written, and uniqueness is left to the
 * store's unique index (it throws usernameTaken), so concurrent registrations of one name give one user.
 */
export function createRegister({ users, passwords }: { users: UserStore; passwords: PasswordHasher }) {
  return async function register(input: RegisterInput): Promise<RegisteredUser> {
    const username = acceptableUsername(input.username);
    const password = acceptablePassword(input.password);
    const email = input.email === undefined ? undefined : acceptableEmail(input.email);
    const passwordHash = await passwords.hash(password);
    const user = await users.create({ username, passwordHash, roles: [...NEW_USER_ROLES], ...(email ? { email } : {}) });
    return { id: user.id, username: user.username };
  };
}
