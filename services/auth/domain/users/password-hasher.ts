/**
 * Who a hash is for (`account:<name>`, `address:<ip>`, `client:<id>`): no one of them may hold
 * more than a small share of the hashing capacity at once, so one account or one address that
 * floods logins cannot take it all from everyone else (README, "Login throttling").
 */
export type HashRequesters = readonly string[];

/**
 * One-way password hashing. Both members run off the event loop (they are CPU- and memory-hard
 * by design) and take about the same time for the same cost settings, which login relies on so
 * that an unknown user and a wrong password cannot be told apart by timing. Each may refuse at
 * once, without hashing: 503 when the hashing capacity is full, 429 when one of `by` already
 * holds its share of it.
 */
export interface PasswordHasher {
  /** A self-describing hash string (PHC format) with a fresh random salt. */
  hash(password: string, by?: HashRequesters): Promise<string>;
  /** True when `password` matches `hash`; false for a mismatch or a hash it cannot read. */
  verify(hash: string, password: string, by?: HashRequesters): Promise<boolean>;
  /**
   * Spends the same time as `verify` against a real hash but can never succeed; used for unknown
   * users so their answer takes as long as a wrong password's.
   */
  verifyAgainstDummy(password: string, by?: HashRequesters): Promise<void>;
}
