import { AppError } from '../../../../lib/errors.js';

/** Errors of the account flows; codes are stable, wire values follow API.md. */
export const accountErrors = {
  /** An unknown, expired, used or stale verification or reset token: all look the same. */
  invalidToken: (code: string) => new AppError(code, 400, 'the link is invalid, expired or already used', { error: 'invalid_grant' }),
  emailNotVerified: () => new AppError('EMAIL_NOT_VERIFIED', 403, 'the account e-mail address is not verified yet', { error: 'email_not_verified' }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError('TOO_MANY_ACCOUNT_MAILS', 429, 'too many requests for this account or address; try again later', {
      error: 'too_many_requests',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),
};
