import { AppError, invalidRequest } from '../../../lib/errors.js';

/** Errors the auth domain raises; codes are stable, wire values follow the contract. */
export const authErrors = {
  usernameTaken: () => new AppError('USERNAME_TAKEN', 409, 'username is already taken', { error: 'username_taken' }),
  clientExists: () => new AppError('CLIENT_EXISTS', 409, 'client_id is already registered', { error: 'client_exists' }),
  /** A field has the right type but a value the service refuses; the description names the field. */
  invalidField: (field: string, problem: string) => invalidRequest(`${field}: ${problem}`, 'INVALID_FIELD'),
  /**
   * Login and refresh failures all look the same on the wire (unknown user, wrong password,
   * spent or unknown refresh token), so the answer never tells an attacker which one it was.
   */
  invalidGrant: (code = 'INVALID_GRANT') => new AppError(code, 401, 'the credentials or grant are invalid', { error: 'invalid_grant' }),
  tooManyAttempts: (retryAfterSeconds: number) =>
    new AppError('TOO_MANY_LOGIN_ATTEMPTS', 429, 'too many failed login attempts; try again later', {
      error: 'too_many_requests',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),
};
