import { CookieJar } from '../../support/cookie-jar.js';

export interface SessionCallOptions {
  method?: string;
  json?: unknown;
  /** Origin header; null sends none. Default: the client's own origin. */
  origin?: string | null;
  /** X-CSRF-Token; default the jar's csrf_token, false sends none. */
  csrf?: string | false;
  /** Sent as `Authorization: Bearer ...`. */
  bearer?: string;
  /** Cookies are not sent when false (the jar still stores what comes back). */
  cookies?: boolean;
  headers?: Record<string, string>;
}

export interface SessionResponse {
  status: number;
  headers: Headers;
  body: Record<string, any> | null;
}

/**
 * A scripted browser for HTTP tests: a cookie jar with RFC 6265 path rules, the page's Origin on
 * every request and, like the demo page, the csrf_token cookie echoed in X-CSRF-Token.
 */
export class SessionClient {
  readonly jar = new CookieJar();

  constructor(
    private readonly baseUrl: string,
    readonly origin: string,
  ) {}

  async call(path: string, { method = 'GET', json, origin = this.origin, csrf, bearer, cookies = true, headers = {} }: SessionCallOptions = {}): Promise<SessionResponse> {
    const csrfValue = csrf === false ? undefined : (csrf ?? this.jar.get('csrf_token'));
    const cookie = cookies ? this.jar.header(path) : undefined;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...(origin === null ? {} : { origin }),
        ...(cookie ? { cookie } : {}),
        ...(csrfValue ? { 'x-csrf-token': csrfValue } : {}),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...headers,
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    this.jar.store(res.headers, path);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : null };
  }

  /** POST /auth/session; fails the test unless it answers 204. */
  async login(username: string, password: string): Promise<void> {
    const res = await this.call('/auth/session', { method: 'POST', json: { username, password } });
    if (res.status !== 204) throw new Error(`session login for ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Titles of the caller's notes, read with the session cookie. */
  async noteTitles(): Promise<string[]> {
    const res = await this.call('/api/notes');
    if (res.status !== 200) throw new Error(`GET /api/notes: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body!.notes as Array<{ title: string }>).map((note) => note.title);
  }
}
