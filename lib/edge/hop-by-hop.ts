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

const NONE: readonly string[] = [];

/** The header names a `Connection` value lists that must go with it (RFC 9110 §7.6.1); empty for the usual `keep-alive`. */
function namedByConnection(connection: string, keepUpgrade: boolean): readonly string[] {
  // `Connection: keep-alive` (what HTTP/1.1 clients send) names nothing to drop.
  if (connection.length === 10 && connection.toLowerCase() === 'keep-alive') return NONE;
  const names: string[] = [];
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && !PROTECTED.test(name) && !(keepUpgrade && name === 'upgrade')) names.push(name);
  }
  return names;
}

/**
 * One pass over a request's headers before it goes upstream: every caller-sent `x-auth-*` (only
 * the gateway sets those, identity-headers.ts) and every hop-by-hop header, plus what
 * `Connection` names. `Transfer-Encoding` is left for the proxy, which still needs it to know
 * whether a body follows, and removes it then. `keepUpgrade` (a WebSocket tunnel) keeps
 * `Upgrade` and sends `Connection: upgrade`.
 *
 * Removed headers are set to undefined (`removeHeader`), not deleted: deleting a property node
 * put on the object turns it into a slow dictionary, which costs time per request and slows
 * every later read of it (bench/README.md has the figure). undici, the proxy's client, skips undefined
 * values; anything else handed these headers takes them through `presentHeaders`.
 */
export function stripInboundHeaders(headers: IncomingHttpHeaders, keepUpgrade: boolean): void {
  const connection = headers.connection;
  if (connection !== undefined) for (const name of namedByConnection(connection, keepUpgrade)) removeHeader(headers, name);
  for (const name in headers) {
    if (isIdentityHeaderName(name)) removeHeader(headers, name);
    else if (isHopByHop(name) && name !== 'transfer-encoding' && !(keepUpgrade && name === 'upgrade')) removeHeader(headers, name);
  }
  if (keepUpgrade) headers.connection = 'upgrade';
}

/** Removes a request header for the upstream (see stripInboundHeaders for why it is not a `delete`). */
export function removeHeader(headers: IncomingHttpHeaders, name: string): void {
  if (headers[name] !== undefined) headers[name] = undefined;
}

/** The headers stripInboundHeaders left, without the removed ones: for a client that refuses undefined values (node's http.request). */
export function presentHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const present: IncomingHttpHeaders = {};
  for (const name in headers) if (headers[name] !== undefined) present[name] = headers[name];
  return present;
}

/**
 * An upstream's response head as `writeHead` takes it, a flat `[name, value, ...]` list: without
 * the hop-by-hop headers and those its `Connection` names, and with the gateway's X-Request-Id
 * (the upstream's own is replaced). A list rather than the object with names deleted from it,
 * for the same reason as stripInboundHeaders.
 */
export function responseHead(headers: IncomingHttpHeaders, requestId: string): (string | string[])[] {
  const connection = headers.connection;
  const named = connection === undefined ? NONE : namedByConnection(connection, false);
  const head: (string | string[])[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name) || name === 'x-request-id' || (named.length > 0 && named.includes(name))) continue;
    head.push(name, value);
  }
  head.push('x-request-id', requestId);
  return head;
}
