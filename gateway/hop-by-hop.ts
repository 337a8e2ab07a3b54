import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), so they never cross
 * the gateway: the client's proxy credentials (`Proxy-Authorization`) are for its proxy, not for
 * every service, and framing headers are the gateway's own business on each side.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Headers `Connection` may not remove: naming one there must not let a client drop the identity
 * headers, the request id or the forwarding chain on their way to the upstream (they are set by
 * the gateway after this runs, but an upstream proxy honouring Connection would drop them).
 */
const PROTECTED = /^(?:x[-_]auth[-_]|x-request-id$|x-forwarded-|host$|authorization$|content-length$|content-type$)/;

/**
 * Removes the hop-by-hop headers, and every header `Connection` names, from a request or response
 * head. `keepUpgrade` leaves `Connection: upgrade` and `Upgrade` for a WebSocket tunnel.
 */
export function stripHopByHop(headers: IncomingHttpHeaders, keepUpgrade = false): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '' && !PROTECTED.test(name) && !(keepUpgrade && name === 'upgrade')) delete headers[name];
    }
  }
  // One pass over the few headers present rather than a lookup per hop-by-hop name.
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) && !(keepUpgrade && (name === 'upgrade' || name === 'connection'))) delete headers[name];
  }
  if (keepUpgrade && headers.connection !== undefined) headers.connection = 'upgrade';
}
