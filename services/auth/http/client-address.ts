import type { Request } from 'express';

/**
 * The address a request came from: express's `req.ip` (the nearest untrusted hop, per the app's
 * `trust proxy` setting), else the socket's peer. For the throttles and the audit trail.
 */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
