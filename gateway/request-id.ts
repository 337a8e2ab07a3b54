import type { IncomingMessage } from 'node:http';
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
