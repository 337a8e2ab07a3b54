import { CookieJar } from '../../support/cookie-jar.js';

/** The form fields of the first form on a hosted page (hidden inputs included). */
export function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[decode(match[1]!)] = decode(match[2]!);
  }
  return fields;
}

const decode = (value: string) => value.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

/**
 * A minimal browser for the hosted pages: a cookie jar and manual redirects, so a test sees every
 * hop (and the code arriving at the app's redirect URI without fetching it).
 */
export class AppBrowser {
  readonly jar = new CookieJar();
  /** `userAgent`: the User-Agent every request sends (default: fetch's own). */
  constructor(
    private readonly origin: string,
    private readonly userAgent?: string,
  ) {}

  private agent(): Record<string, string> {
    return this.userAgent === undefined ? {} : { 'user-agent': this.userAgent };
  }

  async open(url: string | URL): Promise<Response> {
    const target = new URL(url);
    const cookie = this.jar.header(target.pathname);
    const res = await fetch(target, { redirect: 'manual', headers: { ...this.agent(), ...(cookie ? { cookie } : {}) } });
    this.jar.store(res.headers, target.pathname);
    return res;
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    const cookie = this.jar.header(path);
    const res = await fetch(new URL(path, this.origin), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.agent(), ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields),
    });
    this.jar.store(res.headers, path);
    return res;
  }

  /** Opens the authorization URL and, when the login page shows, signs in. Returns the final answer. */
  async signIn(authorizationUrl: URL, username: string, password: string): Promise<Response> {
    const page = await this.open(authorizationUrl);
    if (page.status !== 200) return page;
    return this.post('/oauth/authorize', { ...formFields(await page.text()), username, password });
  }
}
