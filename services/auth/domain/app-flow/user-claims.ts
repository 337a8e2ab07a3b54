import type { UserRecord } from '../users/user-store.js';

/**
 * The user's claims a token's scopes allow (OIDC Core §5.4), shared by userinfo and the ID token
 * so both say the same: `profile` gives `preferred_username`; `email` gives `email` and
 * `email_verified` (false until the address's link was followed).
 */
export function scopedUserClaims(user: UserRecord, scopes: readonly string[]): Record<string, string | boolean> {
  return {
    ...(scopes.includes('profile') ? { preferred_username: user.username } : {}),
    ...(scopes.includes('email') && user.email ? { email: user.email, email_verified: user.emailVerified } : {}),
  };
}
