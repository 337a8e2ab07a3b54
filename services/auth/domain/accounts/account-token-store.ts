/**
 * What a single-use account token is for: it is only ever spent for that purpose. The WebAuthn
 * challenges of the passkey ceremonies are such tokens too (domain/passkeys/passkey-challenges.ts):
 * random, short-lived, spent once, one ceremony's never accepted by another.
 */
export type AccountTokenPurpose = 'email-verification' | 'password-reset' | 'invitation' | 'webauthn-registration' | 'webauthn-login' | 'webauthn-mfa';

export const ACCOUNT_TOKEN_PURPOSES: readonly AccountTokenPurpose[] = ['email-verification', 'password-reset', 'invitation', 'webauthn-registration', 'webauthn-login', 'webauthn-mfa'];

/** What a token stands for. The token itself is never stored: only its SHA-256 (see account-tokens.ts). */
export interface AccountTokenRecord {
  purpose: AccountTokenPurpose;
  userId: string;
  /**
   * What the token was issued against, checked when it is spent: the address being verified, or a
   * fingerprint of the password hash a reset replaces (so a reset or a change kills older links).
   */
  binding: string;
  /** Epoch milliseconds; from then on the token is worth nothing. */
  expiresAt: number;
}

/**
 * Where verification and reset tokens live, keyed by the token's hash. Adapters: memory,
 * embedded (NeDB under AUTH_DATA_DIR), Redis, Mongo; all run
 * `tests/auth/contracts/account-token-store.contract.ts`.
 */
export interface AccountTokenStore {
  /** Stores `record` under `tokenHash` (hex SHA-256). A hash is never reused (256 random bits). */
  save(tokenHash: string, record: AccountTokenRecord): Promise<void>;
  /**
   * Atomically takes the record stored under `tokenHash` for `purpose` and removes it: of any
   * number of concurrent calls (from any replica) at most one gets it. Resolves null for an
   * unknown hash, another purpose (which leaves the record in place), or a record expired at
   * `now` (epoch ms).
   */
  consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<AccountTokenRecord | null>;
  /** Resolves when the backing store answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
