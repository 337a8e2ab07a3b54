import { AppError } from '../../../lib/errors.js';

/** Errors the auth domain raises; codes are stable, wire values follow the contract. */
export const authErrors = {
  usernameTaken: () => new AppError('USERNAME_TAKEN', 409, 'username is already taken', { error: 'username_taken' }),
};
