/**
 * Just enough RFC 6265 for the browser session: reading one cookie from a `Cookie` request header
 * and writing `Set-Cookie` values. Written here rather than pulled in so the gateway's request path
 * stays dependency-free and so an ambiguous header (one name sent twice) is visible to the caller.
 */

/** What a `Cookie` header says about one name. */
export type CookieLookup =
  | { kind: 'absent' }
  | { kind: 'present'; value: string }
  /**
   * The name was sent more than once (another Path, or a cookie set on a parent domain by a
   * sibling host). Which one the server meant cannot be known, so callers refuse it.
   */
  | { kind: 'ambiguous' };

const ABSENT: CookieLookup = { kind: 'absent' };
const AMBIGUOUS: CookieLookup = { kind: 'ambiguous' };

/**
 * Looks `name` up in a `Cookie` header (`a=1; b=2`, RFC 6265 §5.4). Values are returned as sent,
 * without percent-decoding: every cookie this system sets is already made of cookie-octets.
 */
export function readCookie(header: string | string[] | undefined, name: string): CookieLookup {
  if (header === undefined) return ABSENT;
  const text = Array.isArray(header) ? header.join('; ') : header;
  let found: CookieLookup = ABSENT;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq !== -1 && eq < end && text.slice(start, eq).trim() === name) {
      if (found.kind === 'present') return AMBIGUOUS;
      found = { kind: 'present', value: unquote(text.slice(eq + 1, end).trim()) };
    }
    start = end + 1;
  }
  return found;
}

/** RFC 6265 §4.1.1 allows a value in double quotes; the quotes are not part of it. */
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

export interface CookieAttributes {
  path: string;
  /** Seconds; 0 tells the browser to drop the cookie now. */
  maxAgeSeconds: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
}

/** RFC 6265 §4.1.1 cookie-octets: what may appear in a value without quoting. */
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * One `Set-Cookie` value. No Domain attribute, ever: the cookie stays host-only, so a sibling
 * host under the same parent domain never receives it. An Expires date goes with Max-Age=0 for
 * clients that predate Max-Age.
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!TOKEN.test(name)) throw new TypeError('cookie name is not an RFC 6265 token');
  if (!COOKIE_OCTETS.test(value)) throw new TypeError(`cookie ${name}: value has characters a cookie cannot carry`);
  const parts = [`${name}=${value}`, `Path=${attributes.path}`, `Max-Age=${Math.max(0, Math.floor(attributes.maxAgeSeconds))}`];
  if (attributes.maxAgeSeconds <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (attributes.httpOnly) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}
