/**
 * One-way password hashing. Both members run off the event loop (they are CPU- and memory-hard
 * by design) and take about the same time for the same cost settings, which login relies on so
 * that an unknown user and a wrong password cannot be told apart by timing.
 */
export interface PasswordHasher {
  /** A self-describing hash string (PHC format) with a fresh random salt. */
  hash(password: string): Promise<string>;
  /** True when `password` matches `hash`; false for a mismatch or a hash it cannot read. */
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as `verify` against a real hash but can never succeed; used for unknown
   * users so their answer takes as long as a wrong password's.
   */
  verifyAgainstDummy(password: string): Promise<void>;
}
