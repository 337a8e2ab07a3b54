import { authErrors } from '../errors.js';

const MIN_LENGTH = 3;
const MAX_LENGTH = 64;
/**
 * ASCII letters, digits and a few separators (e-mail addresses fit). Other scripts are refused
 * rather than folded: look-alike letters (Cyrillic "а" vs Latin "a") would let two accounts
 * appear to share a name.
 */
const USERNAME_SHAPE = /^[a-z0-9][a-z0-9._@+-]*$/;

/**
 * The one spelling of a username that stores see: NFKC folds compatibility forms (full-width
 * letters, ligatures), then surrounding space goes and case is folded, so "Alice" and " ALICE"
 * are one account.
 */
export function normalizeUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

/** Why a normalized username is refused, or null when it is acceptable. */
export function usernameProblem(normalized: string): string | null {
  if (normalized.length < MIN_LENGTH || normalized.length > MAX_LENGTH) return `must be ${MIN_LENGTH}-${MAX_LENGTH} characters`;
  if (!USERNAME_SHAPE.test(normalized)) return 'may hold only letters a-z, digits and . _ @ + -, and must start with a letter or digit';
  return null;
}

/** Normalizes and validates a username for registration; throws 400 naming the field. */
export function acceptableUsername(raw: string): string {
  const normalized = normalizeUsername(raw);
  const problem = usernameProblem(normalized);
  if (problem) throw authErrors.invalidField('username', problem);
  return normalized;
}
