import { AppError } from '../errors.js';

/** A `%` not followed by two hex digits. */
const BAD_ESCAPE = /%(?![0-9a-f]{2})/i;

/**
 * True when `path` cannot be percent-decoded: a `%` without two hex digits (`%ZZ`, `%4`), or
 * escapes that are not UTF-8 (`%C3` alone). Routers decode path parameters and would throw on
 * these deep inside a route (a 500); checked once at the edge of every app, they are a 400.
 */
export function hasMalformedPercentEncoding(path: string): boolean {
  if (path.indexOf('%') === -1) return false;
  if (BAD_ESCAPE.test(path)) return true;
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

export const malformedPathError = () => new AppError('PATH_INVALID', 400, 'the request path holds a malformed percent-escape');
