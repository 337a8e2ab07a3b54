import type { ServerResponse } from 'node:http';
import type { AppError } from '../lib/errors.js';
import { challengeHeaders } from '../lib/verifier/errors.js';

/**
 * Answers with `{error, error_description}` (RFC 6750 §3 shape) and the error's challenge, without
 * express. A response already under way cannot change status, so it is cut instead.
 */
export function sendError(res: ServerResponse, err: AppError, realm: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  const headers = challengeHeaders(err, realm);
  for (const name in headers) res.setHeader(name, headers[name]!);
  if (err.status < 500 || err.status === 503) res.setHeader('Cache-Control', 'no-store');
  const description = err.expose || err.status === 502 || err.status === 503 || err.status === 504 ? err.message : 'internal server error';
  sendJson(res, err.status, { error: err.error, error_description: description });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}
