import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { readCookie } from './cookies.js';

/**
 * Cross-site request forgery defence for cookie-authenticated requests, shared by the gateway
 * (API routes that accept the access-token cookie) and the auth service (its own session
 * endpoints), so both ends apply one rule:
 *
 * 1. double submit: the `X-CSRF-Token` header equals the `csrf_token` cookie; a foreign page can
 *    make the browser send the cookie but can neither read it nor set a custom header without a
 *    CORS preflight, which nothing here answers;
 * 2. origin: `Origin` (or, when a browser left it out, the origin of `Referer`) is one of the
 *    configured origins, which also holds when a sibling host managed to plant a cookie.
 */
export const CSRF_COOKIE = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change state (RFC 9110 §9.2.1 "unsafe"): only these need the CSRF proof. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Fixed descriptions: they never echo what the caller sent. */
const CSRF_PROBLEMS = {
  CSRF_COOKIE_MISSING: 'the csrf_token cookie is missing',
  CSRF_COOKIE_AMBIGUOUS: 'the csrf_token cookie was sent more than once',
  CSRF_HEADER_MISSING: 'the X-CSRF-Token header is missing',
  CSRF_TOKEN_MISMATCH: 'the X-CSRF-Token header does not match the csrf_token cookie',
  CSRF_ORIGIN_MISSING: 'the request carries neither Origin nor Referer',
  CSRF_ORIGIN_FORBIDDEN: 'the request origin is not allowed',
} as const;

export type CsrfProblem = keyof typeof CSRF_PROBLEMS;

/** 403 `{error:"csrf_failed"}`; `code` says which check failed (for tests and logs). */
export function csrfFailed(code: CsrfProblem): AppError {
  return new AppError(code, 403, CSRF_PROBLEMS[code], { error: 'csrf_failed' });
}

/**
 * Checks both proofs on a request; undefined when it passes, else the 403 to answer with. Call it
 * only for cookie-authenticated requests with an unsafe method: Bearer requests need neither proof.
 */
export function checkCsrf(headers: IncomingHttpHeaders, allowedOrigins: ReadonlySet<string>): AppError | undefined {
  const originProblem = checkOrigin(headers, allowedOrigins);
  if (originProblem) return csrfFailed(originProblem);
  const cookie = readCookie(headers.cookie, CSRF_COOKIE);
  if (cookie.kind === 'ambiguous') return csrfFailed('CSRF_COOKIE_AMBIGUOUS');
  if (cookie.kind === 'absent' || cookie.value === '') return csrfFailed('CSRF_COOKIE_MISSING');
  const header = headers[CSRF_HEADER];
  if (typeof header !== 'string' || header === '') return csrfFailed('CSRF_HEADER_MISSING');
  return sameSecret(header, cookie.value) ? undefined : csrfFailed('CSRF_TOKEN_MISMATCH');
}

/**
 * The origin proof alone, for requests that have no CSRF cookie yet (the login itself): an
 * Origin or Referer that is present must be allowed; a request with neither comes from a
 * non-browser client, which cross-site forgery does not concern.
 */
export function checkOriginIfPresent(headers: IncomingHttpHeaders, allowedOrigins: ReadonlySet<string>): AppError | undefined {
  if (headers.origin === undefined && headers.referer === undefined) return undefined;
  const problem = checkOrigin(headers, allowedOrigins);
  return problem ? csrfFailed(problem) : undefined;
}

function checkOrigin(headers: IncomingHttpHeaders, allowedOrigins: ReadonlySet<string>): CsrfProblem | undefined {
  const origin = headers.origin ?? refererOrigin(headers.referer);
  if (origin === undefined) return 'CSRF_ORIGIN_MISSING';
  // An opaque origin ("null": sandboxed frames, data: URLs) can never be one of ours.
  return allowedOrigins.has(origin) ? undefined : 'CSRF_ORIGIN_FORBIDDEN';
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/** Constant-time equality: both sides are hashed first, so neither content nor length leaks through timing. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * `ALLOWED_ORIGINS`: comma-separated origins (`scheme://host[:port]`, no path), exactly as a
 * browser writes them in the Origin header. Shared by the gateway and the auth service so both
 * parse the same variable the same way; callers add their own `.default()` / `.optional()`.
 */
export function allowedOriginsField() {
  return z.string().transform((text, ctx) => {
    const origins = new Set<string>();
    for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
      const origin = canonicalOrigin(item);
      if (origin === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be comma-separated origins such as http://localhost:8080 (scheme, host and port only)' });
        return z.NEVER;
      }
      origins.add(origin);
    }
    if (origins.size === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one origin' });
      return z.NEVER;
    }
    return origins as ReadonlySet<string>;
  });
}

/** `http://Localhost:8080/` -> `http://localhost:8080`; undefined for anything with a path, query or credentials. */
function canonicalOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  return url.origin;
}

/** The origins a server on `port` is reached at on a developer machine: the default allow-list. */
export function loopbackOrigins(port: number): ReadonlySet<string> {
  return new Set([`http://localhost:${port}`, `http://127.0.0.1:${port}`]);
}
