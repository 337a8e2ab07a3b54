/** One `Set-Cookie` value taken apart: attribute names lower-cased, flags mapped to ''. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf('=');
    const name = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
    attributes.set(name, at === -1 ? '' : part.slice(at + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** Every Set-Cookie of a response, by cookie name (the last one wins, as in a browser). */
export function setCookiesOf(headers: Headers): Map<string, SetCookie> {
  return new Map(headers.getSetCookie().map((line) => {
    const cookie = parseSetCookie(line);
    return [cookie.name, cookie] as const;
  }));
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/**
 * A cookie jar for one host that follows the RFC 6265 rules the browser session relies on:
 * the default and explicit Path, path-match when sending (§5.1.4), Max-Age=0 deletes (§5.3),
 * and cookies with a longer path come first in the Cookie header (§5.4).
 */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  /** Stores the Set-Cookie lines of a response to `requestPath`. */
  store(headers: Headers, requestPath: string): void {
    for (const line of headers.getSetCookie()) {
      const { name, value, attributes } = parseSetCookie(line);
      const path = attributes.get('path')?.startsWith('/') ? attributes.get('path')! : defaultPath(requestPath);
      const key = `${name};${path}`;
      const maxAge = attributes.get('max-age');
      if (maxAge !== undefined && Number(maxAge) <= 0) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  /** The Cookie header a browser would send to `requestPath`, or undefined when none match. */
  header(requestPath: string): string | undefined {
    const matching = [...this.cookies.values()].filter((cookie) => pathMatches(requestPath, cookie.path)).sort((a, b) => b.path.length - a.path.length);
    return matching.length === 0 ? undefined : matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  /** The value stored under `name` (any path). */
  get(name: string): string | undefined {
    return [...this.cookies.values()].find((cookie) => cookie.name === name)?.value;
  }

  names(): string[] {
    return [...this.cookies.values()].map((cookie) => cookie.name).sort();
  }

  /** Sets a cookie by hand (e.g. one an attacker's page cannot set but a test wants to simulate). */
  put(name: string, value: string, path = '/'): void {
    this.cookies.set(`${name};${path}`, { name, value, path });
  }
}

/** RFC 6265 §5.1.4 default-path. */
function defaultPath(requestPath: string): string {
  const path = requestPath.split('?')[0] ?? '/';
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  const path = requestPath.split('?')[0] ?? '/';
  if (path === cookiePath) return true;
  if (!path.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || path.charAt(cookiePath.length) === '/';
}
