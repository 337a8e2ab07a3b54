import { tokenError } from '../../../../lib/verifier/errors.js';
import type { UserStore } from '../users/user-store.js';

/** GET /auth/account (API.md, "Accounts"). `mfa` shows no factors until second factors exist. */
export interface AccountView {
  sub: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  roles: string[];
  created_at: string;
  mfa: { totp: boolean; passkeys: number; recovery_codes_left: number };
}

export function createAccountView(users: UserStore) {
  return async function accountView(userId: string): Promise<AccountView> {
    const user = await users.findById(userId);
    // A client-credentials token has no account behind it: the same answer as a deleted user.
    if (!user) throw tokenError('TOKEN_SUBJECT_GONE');
    return {
      sub: user.id,
      username: user.username,
      email: user.email ?? null,
      email_verified: user.email !== undefined && user.emailVerified,
      roles: [...user.roles],
      created_at: user.createdAt.toISOString(),
      mfa: { totp: false, passkeys: 0, recovery_codes_left: 0 },
    };
  };
}
