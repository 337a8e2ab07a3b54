import { AppError } from '../../../../lib/errors.js';

/** Refusals of the second-factor endpoints; codes are stable, wire values `{error, error_description}`. */
export const mfaErrors = {
  alreadyEnrolled: () => new AppError('TOTP_ALREADY_ENROLLED', 409, 'TOTP is already set up: remove it first to set up another app', { error: 'already_enrolled' }),
  notPending: () => new AppError('TOTP_NOT_PENDING', 400, 'no TOTP set-up is waiting for confirmation: start with POST /auth/mfa/totp', { error: 'invalid_request' }),
  /** The enrolment changed between reading and confirming (a new POST /auth/mfa/totp): nothing was stored. */
  enrolmentChanged: () => new AppError('TOTP_ENROLMENT_CHANGED', 409, 'the TOTP set-up was restarted meanwhile: confirm with a code of the newest secret', { error: 'conflict' }),
  wrongConfirmationCode: () => new AppError('TOTP_CODE_WRONG', 400, 'code is not the current code of this secret', { error: 'invalid_grant' }),
  notEnrolled: () => new AppError('TOTP_NOT_ENROLLED', 404, 'TOTP is not set up for this account', { error: 'not_found' }),
};
