/**
 * What the use cases report as it happens, for metrics. Label values are closed sets: nothing a
 * caller sends (a username, a token) can become one. Wrong password, unknown user and locked
 * account are one outcome, as they are one answer on the wire.
 */
export interface AuthEvents {
  loginFinished(outcome: 'success' | 'invalid_credentials' | 'rate_limited'): void;
  accessTokenIssued(grant: 'password' | 'refresh_token' | 'client_credentials' | 'token_exchange'): void;
  /** A spent refresh token came back after the grace window and its family was revoked. */
  refreshReuseDetected(): void;
}

/** For wiring without metrics (tests, tools). */
export const ignoreAuthEvents: AuthEvents = {
  loginFinished: () => {},
  accessTokenIssued: () => {},
  refreshReuseDetected: () => {},
};
