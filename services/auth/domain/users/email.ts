import { authErrors } from '../errors.js';

/** RFC 5321's path limit; the shape check is deliberately loose (delivery is the real test). */
const MAX_LENGTH = 254;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** Trims and checks an optional e-mail address; throws 400 naming the field. */
export function acceptableEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > MAX_LENGTH || !EMAIL_SHAPE.test(email)) throw authErrors.invalidField('email', 'must be an e-mail address');
  return email;
}
