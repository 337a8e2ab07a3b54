import { AppError, invalidRequest } from '../../../lib/errors.js';

/** RFC 6750 §3: the challenge a protected resource sends with 401. */
const BEARER_REALM = 'Bearer realm="auth"';

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
  missingBearerToken: () =>
    new AppError('MISSING_TOKEN', 401, 'a bearer access token is required', { error: 'invalid_token', headers: { 'WWW-Authenticate': BEARER_REALM } }),
  /** `code` says why (expired, revoked, ...) for logs and tests; the caller gets a short reason. */
  invalidAccessToken: (code: string, description: string) =>
    new AppError(code, 401, description, {
      error: 'invalid_token',
      headers: { 'WWW-Authenticate': `${BEARER_REALM}, error="invalid_token", error_description="${description}"` },
    }),
};
