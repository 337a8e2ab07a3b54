import { AppError } from '../errors.js';

/** Whose budget a request spends: the verified token's client, its subject, or the client address. */
export type RateLimitKey = 'client' | 'subject' | 'address';

/** `rate_limit:` of a route in routes.yaml: `requests` per window of `perSeconds`, one budget per `key`. */
export interface RateLimitSettings {
  requests: number;
  perSeconds: number;
  key: RateLimitKey;
}

/**
 * The header values of one route's policy, in the syntax of draft-ietf-httpapi-ratelimit-headers
 * (-08 and later): `RateLimit-Policy: "<name>";q=<quota>;w=<window>` and
 * `RateLimit: "<name>";r=<remaining>;t=<seconds to reset>`, both Structured Field lists of one
 * item named by a String, so a client can tie the live counter to its policy.
 */
export class RateLimitPolicy {
  /** The RateLimit-Policy value, fixed for the route (the draft: consistent across responses). */
  readonly policy: string;
  private readonly item: string;

  constructor(
    name: string,
    readonly settings: RateLimitSettings,
  ) {
    this.item = sfString(name);
    this.policy = `${this.item};q=${settings.requests};w=${settings.perSeconds}`;
  }

  /** The RateLimit value for `remaining` requests left and `resetSeconds` until the window ends. */
  current(remaining: number, resetSeconds: number): string {
    return `${this.item};r=${remaining};t=${resetSeconds}`;
  }

  /** 429 `too_many_requests` with Retry-After (RFC 9110 §10.2.3) and the draft's two fields, r=0. */
  refusal(resetSeconds: number): AppError {
    return new AppError('RATE_LIMITED', 429, `this route allows ${this.settings.requests} requests per ${this.settings.perSeconds} s per ${this.settings.key}; retry after the Retry-After seconds`, {
      error: 'too_many_requests',
      headers: { 'Retry-After': String(resetSeconds), 'RateLimit-Policy': this.policy, RateLimit: this.current(0, resetSeconds) },
    });
  }
}

/** An RFC 8941 §3.3.3 String: printable ASCII, `"` and `\` escaped; anything else dropped. */
function sfString(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}
