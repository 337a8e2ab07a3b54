import { createHash, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** RFC 4648 base32 letters, lower-case: no 0/1/8/9 to mistake for o/l/b/g. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** 16 characters of 5 bits: 80 bits each, so a plain SHA-256 is as safe to keep as a refresh token's. */
const LENGTH = 16;
const SHAPE = /^[a-z2-7]{16}$/;

/** Ten new codes, as the user sees them (`abcd-efgh-ijkl-mnop`). Shown once, stored only as hashes. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** The code as typed, canonical (case, spaces and dashes do not matter), or null when it cannot be one. */
export function canonicalRecoveryCode(typed: string): string | null {
  const canonical = typed.toLowerCase().replace(/[\s-]/g, '');
  return SHAPE.test(canonical) ? canonical : null;
}

/** What the store keeps of a canonical code. */
export function hashRecoveryCode(canonical: string): string {
  return createHash('sha256').update(`authgate recovery code\0${canonical}`, 'utf8').digest('base64url');
}
