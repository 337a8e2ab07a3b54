import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFrom } from '../lib/http/request-lifecycle.js';

/**
 * The request id of a proxied request: the caller's when it is sane, else a new one, written into
 * the request's headers so the upstream (and every log line) sees the same id.
 */
export function assignRequestId(req: IncomingMessage): string {
  const id = requestIdFrom(req.headers['x-request-id']);
  req.headers['x-request-id'] = id;
  return id;
}

/**
 * Every gateway answer carries X-Request-Id. It is added when the answer is written, not when the
 * request arrives: a response with no header set yet takes node's fast `writeHead(status,
 * headers)` path for the upstream's head, while one set early makes node re-validate every
 * upstream header through `setHeader` on every proxied response.
 */
export function stampRequestId(req: IncomingMessage, res: ServerResponse): void {
  // A response already under way is cut, not answered (send-json.ts), and keeps the id it had.
  if (!res.headersSent) res.setHeader('X-Request-Id', req.headers['x-request-id']!);
}
