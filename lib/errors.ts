/**
 * One error type for the whole code base. `code` is stable (tests and metrics key on it),
 * `error` is the wire value clients see (an OAuth 2.0 / RFC 6750 error string or one of the
 * contract's own, e.g. `username_taken`), `status` the HTTP status.
 */
export interface AppErrorOptions {
  /** Wire error value; defaults by status (400 invalid_request, 401 invalid_token, ...). */
  error?: string;
  cause?: unknown;
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  headers?: Record<string, string>;
  /** Extra members for the JSON error body. */
  details?: Record<string, unknown>;
  /**
   * Parameters of the RFC 6750 challenge this refusal gets, when the layer raising it knows them:
   * the protection space (`realm`, else the app's) and the scope an insufficient_scope refusal
   * needs. Data, not a header: the one error renderer (lib/http/error-response.ts) writes it.
   */
  challenge?: ChallengeParams;
}

export interface ChallengeParams {
  realm?: string;
  scope?: string;
  /** RFC 9470 §3: the authentication context class(es) a step-up must reach (space-separated). */
  acrValues?: string;
  /** RFC 9470 §3: the most seconds since the user's sign-in the resource accepts. */
  maxAge?: number;
  /**
   * The authentication scheme challenged: `DPoP` for sender-constrained tokens (RFC 9449 §7.1),
   * `Basic` for a client that authenticated with HTTP Basic (RFC 6749 §5.2), else Bearer.
   */
  scheme?: 'Bearer' | 'DPoP' | 'Basic';
}

const DEFAULT_WIRE_ERROR: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'invalid_request',
  415: 'invalid_request',
  429: 'too_many_requests',
  502: 'bad_gateway',
  503: 'temporarily_unavailable',
  504: 'gateway_timeout',
};

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** Whether the message may be shown to the caller; server faults (500) are hidden. */
  readonly expose: boolean;
  readonly error: string;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown>;
  readonly challenge: ChallengeParams;

  constructor(code: string, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    // 502-504 carry our own fixed descriptions of a dependency's state, never internals.
    this.expose = status < 500 || status === 502 || status === 503 || status === 504;
    this.error = options.error ?? DEFAULT_WIRE_ERROR[status] ?? (status >= 500 ? 'server_error' : 'invalid_request');
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
    this.challenge = options.challenge ?? {};
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** 400 invalid_request naming what is wrong; the most common error in handlers. */
export function invalidRequest(description: string, code = 'INVALID_REQUEST'): AppError {
  return new AppError(code, 400, description, { error: 'invalid_request' });
}

/** Unexpected faults: the caller sees a generic `server_error`, the log keeps the cause. */
export function internalError(cause: unknown, message = 'internal error'): AppError {
  return new AppError('INTERNAL', 500, message, { error: 'server_error', cause });
}

/**
 * The same error with challenge parameters added, for layers that know their realm (requireAuth,
 * admin auth) or scheme (a DPoP request); parameters the error already names win.
 */
export function withChallenge(err: AppError, challenge: ChallengeParams): AppError {
  return new AppError(err.code, err.status, err.message, {
    error: err.error,
    cause: err.cause,
    headers: err.headers,
    details: err.details,
    challenge: { ...challenge, ...err.challenge },
  });
}
