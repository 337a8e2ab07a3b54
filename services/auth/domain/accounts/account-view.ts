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

/** How many passkeys a user holds (passkeys/passkey-use-cases.ts `count`); none without one. */
export type CountPasskeys = (userId: string) => Promise<number>;

export function createAccountView(users: UserStore, countPasskeys: CountPasskeys = async () => 0) {
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
      mfa: { totp: false, passkeys: await countPasskeys(user.id), recovery_codes_left: 0 },
    };
  };
}
