import type { IncomingHttpHeaders } from 'node:http';
import { isIdentityHeaderName } from './identity-headers.js';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), so they never cross
 * the gateway: the client's proxy credentials (`Proxy-Authorization`) are for its proxy, not for
 * every service, and framing headers are the gateway's own business on each side. Matched by
 * length first: this runs over every header of every request and response.
 */
function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 2:
      return name === 'te';
    case 7:
      return name === 'upgrade' || name === 'trailer';
    case 10:
      return name === 'connection' || name === 'keep-alive';
    case 16:
      return name === 'proxy-connection';
    case 17:
      return name === 'transfer-encoding';
    case 18:
      return name === 'proxy-authenticate';
    case 19:
      return name === 'proxy-authorization';
    default:
      return false;
  }
}

/**
 * Headers `Connection` may not remove: naming one there must not let a client drop the identity
 * headers, the request id or the forwarding chain on their way to the upstream (they are set by
 * the gateway after this runs, but an upstream proxy honouring Connection would drop them).
 */
const PROTECTED = /^(?:x[-_]auth[-_]|x-request-id$|x-forwarded-|host$|authorization$|content-length$|content-type$)/;

function dropConnectionNamed(headers: IncomingHttpHeaders, connection: string, keepUpgrade: boolean): void {
  // `Connection: keep-alive` (what HTTP/1.1 clients send) names nothing to drop.
  if (connection.length === 10 && connection.toLowerCase() === 'keep-alive') return;
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && !PROTECTED.test(name) && !(keepUpgrade && name === 'upgrade')) delete headers[name];
  }
}

/**
 * Removes the hop-by-hop headers, and every header `Connection` names, from a response head
 * (the request side goes through `stripInboundHeaders`).
 */
export function stripHopByHop(headers: IncomingHttpHeaders): void {
  const connection = headers.connection;
  if (connection !== undefined) dropConnectionNamed(headers, connection, false);
  // for-in, not Object.keys: no array per call; deleting the name being visited is allowed.
  for (const name in headers) if (isHopByHop(name)) delete headers[name];
}

/**
 * One pass over a request's headers before it goes upstream: every caller-sent `x-auth-*` (only
 * the gateway sets those, identity-headers.ts) and every hop-by-hop header, plus what
 * `Connection` names. `Transfer-Encoding` is left for the proxy, which still needs it to know
 * whether a body follows, and removes it then. `keepUpgrade` (a WebSocket tunnel) keeps
 * `Upgrade` and sends `Connection: upgrade`.
 */
export function stripInboundHeaders(headers: IncomingHttpHeaders, keepUpgrade: boolean): void {
  const connection = headers.connection;
  if (connection !== undefined) dropConnectionNamed(headers, connection, keepUpgrade);
  for (const name in headers) {
    if (isIdentityHeaderName(name)) delete headers[name];
    else if (isHopByHop(name) && name !== 'transfer-encoding' && !(keepUpgrade && name === 'upgrade')) delete headers[name];
  }
  if (keepUpgrade) headers.connection = 'upgrade';
}
