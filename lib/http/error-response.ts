import type { AppError } from '../errors.js';
import { tokenChallenge } from '../verifier/challenge.js';

/** Seconds a client should wait before retrying when a dependency (the issuer's keys, Redis) is unreachable. */
export const DEFAULT_RETRY_AFTER_SECONDS = '5';

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

/**
 * The one place an AppError becomes a response, for every express app (errorHandler) and the
 * gateway's raw path (sendError): status; `Cache-Control: no-store` on every error (RFC 6749
 * §5.1 for token responses, and no error is worth caching); the RFC 6750 §3 challenge for
 * token refusals and a Basic one (RFC 6749 §5.2) for a client that used Basic, in `realm` unless
 * the error names its own; `Retry-After` instead of a
 * challenge on 503, since the client did nothing wrong; the body `{error, error_description}`
 * (RFC 6749 §5.2 / RFC 6750 §3), with a generic description for our own faults.
 */
export function errorResponse(err: AppError, realm: string): ErrorResponse {
  const headers: Record<string, string> = { ...err.headers, 'Cache-Control': 'no-store' };
  if (err.status === 503) headers['Retry-After'] ??= DEFAULT_RETRY_AFTER_SECONDS;
  else if (err.challenge.scheme === 'Basic') headers['WWW-Authenticate'] = `Basic realm="${err.challenge.realm ?? realm}"`;
  else {
    // The verifier owns the Bearer/DPoP challenge syntax (lib/verifier/challenge.ts); http only places it.
    const challenge = tokenChallenge(err, realm);
    if (challenge !== undefined) headers['WWW-Authenticate'] = challenge;
  }
  return {
    status: err.status,
    headers,
    body: { error: err.error, error_description: err.expose ? err.message : 'internal server error', ...err.details },
  };
}
