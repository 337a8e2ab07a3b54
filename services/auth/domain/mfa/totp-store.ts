/**
 * A user's TOTP enrolment and recovery codes: one record per user. Adapters: memory (tests),
 * embedded (NeDB under AUTH_DATA_DIR) and mongo, beside the users; all run
 * tests/auth/contracts/totp-store.contract.ts. Nothing here is ever a usable secret: the TOTP
 * secret is sealed (domain/mfa/secret-box.ts) and recovery codes are SHA-256 hashes.
 */
export interface TotpRecord {
  userId: string;
  /** The TOTP secret (base32), sealed under AUTH_MFA_ENCRYPTION_KEY with the user id as context. */
  sealedSecret: string;
  /** False until a first code proved the user's app has the secret; a pending record signs no one in. */
  confirmed: boolean;
  /** The RFC 6238 time step of the last accepted code (each step is accepted once); -1 before any. */
  lastStep: number;
  /** Hashes of the recovery codes not used yet (base64url SHA-256). */
  recoveryCodes: string[];
  createdAt: Date;
}

export interface TotpStore {
  /**
   * Starts (or restarts) an enrolment: stores an unconfirmed record with `sealedSecret`, replacing
   * a pending one. Resolves false, changing nothing, when the user already has a confirmed one.
   */
  savePending(userId: string, sealedSecret: string, createdAt: Date): Promise<boolean>;
  /** The user's record, confirmed or pending; null when none. */
  find(userId: string): Promise<TotpRecord | null>;
  /**
   * Confirms the pending record whose secret is still `sealedSecret` (not replaced by a newer
   * enrolment meanwhile), atomically storing the recovery code hashes and the confirming code's
   * step. False when there is no such pending record (nothing changes).
   */
  confirm(userId: string, sealedSecret: string, recoveryCodes: string[], step: number): Promise<boolean>;
  /**
   * Records `step` as used when the record is confirmed and `step` is later than `lastStep`,
   * atomically (of concurrent calls with one step exactly one gets true): RFC 6238 §5.2 replay.
   */
  useStep(userId: string, step: number): Promise<boolean>;
  /** Removes `codeHash` from the unused recovery codes of a confirmed record, atomically; false when it is not there. */
  useRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** Replaces the sealed secret when it is still `previous` (re-sealed under a newer key); false otherwise. */
  reseal(userId: string, previous: string, next: string): Promise<boolean>;
  /** Removes the record, pending or confirmed; false when there was none. */
  remove(userId: string): Promise<boolean>;
  /** Resolves when the backing store answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
