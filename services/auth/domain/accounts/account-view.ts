import { tokenError } from '../../../../lib/verifier/errors.js';
import type { UserStore } from '../users/user-store.js';
import type { MfaSummary } from '../mfa/second-factor.js';

/** GET /auth/account (API.md, "Accounts"); `mfa` as the factors report it (domain/mfa/second-factor.ts). */
export interface AccountView {
  sub: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  roles: string[];
  created_at: string;
  mfa: MfaSummary;
}

export function createAccountView(users: UserStore, mfaOf: (userId: string) => Promise<MfaSummary>) {
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
      mfa: await mfaOf(user.id),
    };
  };
}
