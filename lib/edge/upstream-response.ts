import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { AppError } from '../errors.js';

/** The answer to a failed upstream exchange: 504 when it timed out, 502 otherwise. */
export function upstreamFailure(timedOut: boolean): AppError {
  return timedOut
    ? new AppError('UPSTREAM_TIMEOUT', 504, 'the upstream service did not answer in time', { error: 'gateway_timeout' })
    : new AppError('UPSTREAM_UNAVAILABLE', 502, 'the upstream service is unavailable', { error: 'bad_gateway' });
}

/**
 * On a `cors:` route the gateway's CORS answer stands: the upstream's own Access-Control-*
 * headers are dropped (they would replace ours in writeHead), and its Vary is merged with ours.
 */
export function gatewayCorsWins(headers: IncomingHttpHeaders, res: ServerResponse): void {
  // Undefined, not deleted: responseHead skips it (hop-by-hop.ts says why).
  for (const name in headers) if (name.startsWith('access-control-')) headers[name] = undefined;
  const upstreamVary = headers.vary;
  if (upstreamVary !== undefined) headers.vary = `${String(res.getHeader('vary'))}, ${upstreamVary}`;
}

/**
 * The upstream answers in its own path space (`Location: /notes/1`) but the client only knows the
 * gateway's (`/api/notes/1`): put the stripped part back on absolute paths. Absolute URLs,
 * scheme-relative `//host` refs and relative refs are left alone (a client resolves the latter
 * against the URL it used, which already carries the prefix).
 */
export function restoreStrippedPrefix(headers: IncomingHttpHeaders, stripPrefix: string): void {
  const location = headers.location;
  if (typeof location === 'string' && isAbsolutePath(location)) headers.location = stripPrefix + location;
  const contentLocation = headers['content-location'];
  if (typeof contentLocation === 'string' && isAbsolutePath(contentLocation)) headers['content-location'] = stripPrefix + contentLocation;
}

function isAbsolutePath(ref: string): boolean {
  return ref.charCodeAt(0) === 47 /* / */ && ref.charCodeAt(1) !== 47;
}
