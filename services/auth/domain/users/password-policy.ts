import { authErrors } from '../errors.js';

/** NIST SP 800-63B-4 / OWASP ASVS: at least 12, no low maximum, no composition rules. */
export const PASSWORD_MIN_CODE_POINTS = 12;
export const PASSWORD_MAX_CODE_POINTS = 1024;

/** Lone UTF-16 surrogates cannot be encoded as UTF-8; two different ones would hash alike. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The form of a password that gets hashed and verified. NFKC (NIST SP 800-63B §3.1.1.2) makes
 * the same password typed on two keyboards (composed vs decomposed accents) the same bytes.
 * Nothing is trimmed or truncated: every character counts.
 */
export function canonicalPassword(raw: string): string {
  return raw.normalize('NFKC');
}

/** Validates a new password and returns its canonical form; throws 400 naming the field. */
export function acceptablePassword(raw: string): string {
  if (LONE_SURROGATE.test(raw)) throw authErrors.invalidField('password', 'must be valid Unicode text');
  const canonical = canonicalPassword(raw);
  // Code points, not UTF-16 units: an emoji is one character to the person typing it.
  const length = [...canonical].length;
  if (length < PASSWORD_MIN_CODE_POINTS || length > PASSWORD_MAX_CODE_POINTS) {
    throw authErrors.invalidField('password', `must be ${PASSWORD_MIN_CODE_POINTS}-${PASSWORD_MAX_CODE_POINTS} characters`);
  }
  return canonical;
}
