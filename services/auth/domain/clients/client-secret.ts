import { randomBytes } from 'node:crypto';

/** 256 bits: well past the 2^-160 guessing bound RFC 6749 §10.10 recommends for generated credentials. */
export const CLIENT_SECRET_BYTES = 32;

/**
 * A new client secret from the OS CSPRNG, base64url-encoded (43 characters, no padding) so it can
 * travel in a Basic header, a form body or an environment variable without escaping. Shown to
 * the operator once; only its HMAC-SHA-256 (keyed) hash is stored.
 */
export function generateClientSecret(): string {
  return randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}

/** What a generated secret carries. */
export const CLIENT_SECRET_BITS = CLIENT_SECRET_BYTES * 8;
/**
 * The estimate a configured secret must reach: a generated one's bits less 16, because a random
 * 43-character base64url draw misses a whole character class (digits: about 1 in 1,400) often
 * enough that the estimate below would otherwise refuse real CSPRNG output.
 */
const REQUIRED_ESTIMATE_BITS = CLIENT_SECRET_BITS - 16;

/** Characters per class a secret's alphabet is assumed to draw from, when it uses that class. */
const CHARACTER_CLASSES: Array<[RegExp, number]> = [
  [/[a-z]/, 26],
  [/[A-Z]/, 26],
  [/[0-9]/, 10],
  [/[-_]/, 2],
  [/[^a-zA-Z0-9_-]/, 32],
];

/**
 * Why a configured client secret (clients file) is weaker than a generated one, or null when it is
 * not. The estimate is length x log2(alphabet of the character classes used), which a 43-character
 * base64url or 64-digit hex secret from a CSPRNG reaches; since a secret is hashed with a fast
 * keyed hash, not argon2id, anything guessable would be guessable fast. Repetitive values
 * (`aaaa...`, `abab...`) are refused by a second floor: their per-character Shannon entropy times
 * the length must reach half the bits.
 */
export function clientSecretWeakness(secret: string): string | null {
  const alphabet = CHARACTER_CLASSES.reduce((size, [pattern, count]) => (pattern.test(secret) ? size + count : size), 0);
  const estimated = secret.length * Math.log2(Math.max(alphabet, 1));
  if (estimated < REQUIRED_ESTIMATE_BITS) {
    return `carries about ${Math.floor(estimated)} bits, fewer than the ${CLIENT_SECRET_BITS} of a generated secret (use 32 random bytes, e.g. \`openssl rand -base64 32\`)`;
  }
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const shannon = [...counts.values()].reduce((sum, n) => sum - (n / secret.length) * Math.log2(n / secret.length), 0);
  if (shannon * secret.length < CLIENT_SECRET_BITS / 2) return 'is too repetitive to be random (use 32 random bytes, e.g. `openssl rand -base64 32`)';
  return null;
}
