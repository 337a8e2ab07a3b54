/**
 * An OAuth 2.0 client-credentials token source (RFC 6749 §4.4) for services that call other
 * services with their own identity: it fetches a token, keeps it, renews it before it expires
 * (at 80 % of its lifetime by default), lets concurrent callers share one request, and can be told
 * a token was refused so the next call fetches a fresh one. No dependency beyond `fetch`, so any
 * Node service can copy or import it.
 *
 * @example
 * ```ts
 * const tokens = createClientCredentialsSource({
 *   tokenEndpoint: 'http://localhost:4000/oauth/token',
 *   clientId: 'reports',
 *   clientSecret: process.env.REPORTS_CLIENT_SECRET!,
 *   scope: 'notes:read',
 * });
 * const res = await fetch(url, { headers: { authorization: `Bearer ${await tokens.getToken()}` } });
 * if (res.status === 401) tokens.invalidate(); // the next getToken() fetches a new one
 * ```
 */

export interface ClientCredentialsOptions {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated; omitted means every scope the client is allowed. */
  scope?: string;
  /** The audience to ask for; omitted means the issuer's default. */
  audience?: string;
  /** Fraction of the token's lifetime after which it is renewed (0 < x <= 1). Default 0.8. */
  renewAfter?: number;
  /** Milliseconds before a token request is abandoned. Default 5 000. */
  timeoutMs?: number;
  /** Epoch milliseconds; tests move time with it. */
  now?: () => number;
  fetch?: typeof globalThis.fetch;
}

export interface ClientCredentialsSource {
  /** A token valid now: the cached one, or a fresh one fetched once for all concurrent callers. */
  getToken(): Promise<string>;
  /**
   * Forgets the cached token (a server refused it, e.g. revoked or signed by a withdrawn key).
   * With `token`, only if that is still the cached one, so a token another caller has just
   * renewed is not thrown away.
   */
  invalidate(token?: string): void;
}

/** The token endpoint refused or could not be reached. Never carries the secret or a token. */
export class ClientCredentialsError extends Error {
  constructor(
    message: string,
    /** HTTP status of the token endpoint's answer; undefined when there was none. */
    readonly status?: number,
    /** RFC 6749 §5.2 `error`, when the endpoint sent one. */
    readonly oauthError?: string,
  ) {
    super(message);
    this.name = 'ClientCredentialsError';
  }
}

interface CachedToken {
  token: string;
  /** Epoch ms from which the token is renewed before use. */
  renewAt: number;
  /** Epoch ms at which the token stops being usable at all. */
  expiresAt: number;
}

/**
 * RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded,
 * so a `:` or `%` in either survives the trip.
 */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`, 'utf8').toString('base64')}`;
}

export function createClientCredentialsSource(options: ClientCredentialsOptions): ClientCredentialsSource {
  const renewAfter = options.renewAfter ?? 0.8;
  if (!(renewAfter > 0 && renewAfter <= 1)) throw new RangeError('renewAfter must be in (0, 1]');
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const authorization = clientSecretBasic(options.clientId, options.clientSecret);
  let cached: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;

  async function requestToken(): Promise<CachedToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scope) form.set('scope', options.scope);
    if (options.audience) form.set('audience', options.audience);
    const requestedAt = now();
    let response: Response;
    try {
      response = await doFetch(options.tokenEndpoint, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ClientCredentialsError(`token endpoint ${options.tokenEndpoint} unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok) {
      const error = typeof body?.error === 'string' ? body.error : undefined;
      throw new ClientCredentialsError(`token endpoint answered ${response.status}${error ? ` ${error}` : ''}`, response.status, error);
    }
    const token = body?.access_token;
    const expiresIn = body?.expires_in;
    if (typeof token !== 'string' || token === '' || String(body?.token_type).toLowerCase() !== 'bearer') {
      throw new ClientCredentialsError('token endpoint answered without a bearer access_token', response.status);
    }
    // Without expires_in (optional in RFC 6749) the token is used once per minute at most.
    const lifetimeMs = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn * 1000 : 60_000;
    // Timed from the request, not the answer: the token's clock started when the server issued it.
    return { token, renewAt: requestedAt + lifetimeMs * renewAfter, expiresAt: requestedAt + lifetimeMs };
  }

  function renew(): Promise<CachedToken> {
    inflight ??= requestToken()
      .then((fresh) => (cached = fresh))
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    async getToken() {
      const current = cached;
      const at = now();
      if (current && at < current.renewAt) return current.token;
      try {
        return (await renew()).token;
      } catch (err) {
        // A renewal that fails early is not fatal while the old token is still good.
        if (current && current === cached && now() < current.expiresAt) return current.token;
        throw err;
      }
    },
    invalidate(token) {
      if (token === undefined || cached?.token === token) cached = undefined;
    },
  };
}
