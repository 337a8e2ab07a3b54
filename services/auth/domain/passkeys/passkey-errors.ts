import { AppError, invalidRequest } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';

/**
 * Refusals of the passkey ceremonies. A sign-in that fails for any reason (unknown credential,
 * spent or foreign challenge, bad signature, counter gone back) is the one 401 invalid_grant of
 * every login, so an attacker learns nothing from which check failed; the audit trail has the reason.
 */
export const passkeyErrors = {
  /** The WebAuthn JSON is not of the shape Level 3 defines: a 400 naming the field. */
  malformed: (field: string, problem: string) => invalidRequest(`${field}: ${problem}`, 'WEBAUTHN_MALFORMED'),
  signInRefused: (code: string) => authErrors.invalidGrant(code),
  /** A registration whose response does not verify (or whose challenge is spent, expired or another user's). */
  registrationRefused: (description: string) => new AppError('WEBAUTHN_REGISTRATION_REFUSED', 400, description, { error: 'invalid_request' }),
  alreadyRegistered: () => new AppError('WEBAUTHN_CREDENTIAL_EXISTS', 409, 'this passkey is already registered', { error: 'credential_exists' }),
  tooMany: (max: number) => new AppError('WEBAUTHN_TOO_MANY', 409, `an account holds at most ${max} passkeys`, { error: 'too_many_passkeys' }),
  notFound: () => new AppError('WEBAUTHN_CREDENTIAL_NOT_FOUND', 404, 'no such passkey', { error: 'not_found' }),
};
