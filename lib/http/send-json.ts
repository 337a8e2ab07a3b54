import type { ServerResponse } from 'node:http';
import type { AppError } from '../errors.js';
import { errorResponse } from './error-response.js';

/**
 * Answers with lib/http's one error rendering, without express. A response already under way
 * cannot change status, so it is cut instead.
 */
export function sendError(res: ServerResponse, err: AppError, realm: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  const { status, headers, body } = errorResponse(err, realm);
  for (const name in headers) res.setHeader(name, headers[name]!);
  sendJson(res, status, body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}
