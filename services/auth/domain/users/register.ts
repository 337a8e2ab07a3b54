import { AppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UserRecord, UserStore } from './user-store.js';
import { acceptableEmail } from './email.js';
import { acceptablePassword } from './password-policy.js';
import { acceptableUsername } from './username.js';

export interface RegisterInput {
  username: string;
  password: string;
  email?: string;
  /** Address the request came from (the one login throttling uses), for the per-IP limit. */
  clientIp: string;
}

export interface RegisteredUser {
  id: string;
  username: string;
}

/** Every account starts as a plain user; further roles are granted by an administrator. */
const NEW_USER_ROLES: string[] = ['user'];

const tooManyRegistrations = (retryAfterSeconds: number) =>
  new AppError('TOO_MANY_REGISTRATIONS', 429, 'too many registrations from this address; try again later', {
    error: 'too_many_requests',
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

/**
 * Creates an account. Input is checked first, then the per-address limit (shared with login's, in
 * the token store), then whether the name is taken, and only then the password is hashed: a taken
 * name costs no argon2 run. The store's unique index stays the real guard (it throws
 * usernameTaken), so concurrent registrations of one name still give one user.
 */
export interface RegisterDeps {
  users: UserStore;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  /** EMAIL_VERIFICATION_REQUIRED: an account without an address could never log in, so one is required. */
  emailRequired?: boolean;
  /** The verification mail of a new account with an address. */
  onRegistered?: (user: UserRecord) => Promise<void>;
}

export function createRegister({ users, passwords, throttle, emailRequired = false, onRegistered }: RegisterDeps) {
  return async function register(input: RegisterInput): Promise<RegisteredUser> {
    const username = acceptableUsername(input.username);
    const password = acceptablePassword(input.password);
    const email = input.email === undefined ? undefined : acceptableEmail(input.email);
    if (emailRequired && email === undefined) throw authErrors.invalidField('email', 'is required: accounts must verify an e-mail address');
    const refused = await throttle.admitRegistration(input.clientIp);
    if (refused) throw tooManyRegistrations(refused.retryAfterSeconds);
    if (await users.findByUsername(username)) throw authErrors.usernameTaken();
    // Held to the address's (and the name's) share of the hashing queue, like a login.
    const passwordHash = await passwords.hash(password, [`account:${username}`, `address:${input.clientIp}`]);
    const user = await users.create({ username, passwordHash, roles: [...NEW_USER_ROLES], ...(email ? { email } : {}) });
    await onRegistered?.(user);
    return { id: user.id, username: user.username };
  };
}
