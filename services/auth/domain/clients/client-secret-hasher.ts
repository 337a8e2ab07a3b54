import type { HashRequesters } from '../users/password-hasher.js';

/**
 * Storage of client secrets. Unlike passwords, generated client secrets carry 256 random bits, so
 * a slow password hash buys nothing against guessing: a keyed fast hash is enough and keeps client
 * authentication at signing speed (docs/service-to-service.md).
 */
export interface ClientSecretHasher {
  /** A self-describing hash string of `secret` (never the secret). */
  hash(secret: string): Promise<string>;
  /**
   * Checks `secret` against a stored hash, in constant time for hashes of this hasher's own
   * format. `rehash` is set when the secret matched a hash of an older scheme (argon2id): the
   * caller should store it so the next check is fast. A hash it cannot read is a mismatch. `by`
   * names who asks, for the older scheme's share of the password-hashing queue (HashRequesters).
   */
  verify(storedHash: string, secret: string, by?: HashRequesters): Promise<{ matches: boolean; rehash?: string }>;
  /** The same work as a failing `verify` of a current hash, for unknown clients. Never succeeds. */
  verifyAgainstDummy(secret: string): Promise<void>;
}
