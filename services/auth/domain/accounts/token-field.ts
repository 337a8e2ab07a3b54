import { authErrors } from '../errors.js';
import { ACCOUNT_TOKEN_SHAPE } from './account-tokens.js';

/**
 * A link token as the client sent it: 43 base64url characters. Anything else is a malformed
 * request (400 naming `token`), told apart from a well-formed token that is unknown, expired or
 * used (400 invalid_grant).
 */
export function acceptableToken(raw: unknown): string {
  if (typeof raw !== 'string' || !ACCOUNT_TOKEN_SHAPE.test(raw)) throw authErrors.invalidField('token', 'must be the 43-character token of the link');
  return raw;
}
