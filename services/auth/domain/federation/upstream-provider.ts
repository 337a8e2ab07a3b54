/**
 * The port to one upstream identity provider (OpenID Connect or plain OAuth 2.0). The adapter
 * (adapters/federation/openid-client-upstream.ts) does the protocol: discovery, the code exchange
 * with PKCE, every ID token check (signature, `iss` against mix-up, `aud`, `nonce`, expiry), the
 * userinfo call, and the logout token check. It answers within its timeout or throws.
 */

/** What the round trip binds: sent at the start, checked at the callback. */
export interface UpstreamChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Our callback URL, registered at the upstream. */
  redirectUri: string;
}

/** The person as the upstream vouches for them. */
export interface UpstreamIdentity {
  /** The upstream's stable identifier of the person (the mapped subject claim). */
  subject: string;
  /** ID token claims merged with userinfo (ID token wins). */
  claims: Record<string, unknown>;
  /** The upstream's session id (`sid` of the ID token), for its back-channel logout. */
  sid?: string;
}

/** A verified logout token (OIDC Back-Channel Logout 1.0 §2.6). */
export interface UpstreamLogout {
  sub?: string;
  sid?: string;
  jti: string;
  /** Epoch seconds: how long its `jti` must be remembered. */
  exp: number;
}

export interface UpstreamProvider {
  readonly id: string;
  readonly name: string;
  readonly issuer: string;
  authorizationUrl(checks: UpstreamChecks): Promise<URL>;
  /** The callback as received (its query); throws UpstreamFailure. */
  finish(callback: URL, checks: UpstreamChecks): Promise<UpstreamIdentity>;
  /** Throws UpstreamFailure('invalid') for anything §2.6 refuses. */
  readLogoutToken(token: string): Promise<UpstreamLogout>;
}

export type UpstreamFailureKind =
  /** The upstream answered with an OAuth error (the person cancelled, a refused client). */
  | 'refused'
  /** An answer that fails a check: wrong issuer, nonce, audience, signature, state. */
  | 'invalid'
  /** Down, slow past the timeout, or answering garbage. */
  | 'unreachable';

/** The message is for the log and never carries a token; `upstreamError` is the OAuth `error` code. */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    readonly upstreamError?: string,
  ) {
    super(message);
    this.name = 'UpstreamFailure';
  }
}
