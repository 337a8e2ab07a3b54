import type { IncomingMessage } from 'node:http';
import { forwardedChain, plainAddress, type ProxyTrust } from '../http/client-address.js';
import { removeHeader } from './hop-by-hop.js';

const PORT_IN_HOST = /:(\d+)$/;

/**
 * Sets X-Forwarded-For/Proto/Host/Port for the upstream, directly on the request's headers.
 *
 * From a peer listed in TRUSTED_PROXIES (the ingress terminating TLS in front of us) the chain it
 * sent is kept and the peer appended, and its Proto/Host/Port stand; auth then finds the client
 * as the rightmost untrusted hop (lib/http/client-address.ts). From any other peer nothing a
 * client sends is true: a `X-Forwarded-For: 10.9.9.9` would become the address auth's per-IP
 * login limit counts, so all four are overwritten from the connection. `Forwarded` and
 * `X-Real-IP`, other spellings of "who is the client", are always removed: only the gateway's
 * X-Forwarded-* say that.
 */
export function setForwardedHeaders(req: IncomingMessage, trust: ProxyTrust): void {
  const headers = req.headers;
  removeHeader(headers, 'forwarded');
  removeHeader(headers, 'x-real-ip');
  const peer = req.socket.remoteAddress;
  const encrypted = 'encrypted' in req.socket && req.socket.encrypted === true;
  if (peer !== undefined && trust(peer)) {
    headers['x-forwarded-for'] = [...forwardedChain(headers['x-forwarded-for']), plainAddress(peer)].join(', ');
    headers['x-forwarded-proto'] ??= encrypted ? 'https' : 'http';
    if (headers['x-forwarded-host'] === undefined && headers.host !== undefined) {
      headers['x-forwarded-host'] = headers.host;
      headers['x-forwarded-port'] ??= portOf(headers.host, encrypted);
    }
    return;
  }
  if (peer === undefined) removeHeader(headers, 'x-forwarded-for');
  else headers['x-forwarded-for'] = plainAddress(peer);
  headers['x-forwarded-proto'] = encrypted ? 'https' : 'http';
  const host = headers.host;
  if (host === undefined) {
    removeHeader(headers, 'x-forwarded-host');
    removeHeader(headers, 'x-forwarded-port');
    return;
  }
  headers['x-forwarded-host'] = host;
  headers['x-forwarded-port'] = portOf(host, encrypted);
}

/** The port the client addressed; anchored at the end so an IPv6 literal's colons are not read as one. */
function portOf(host: string, encrypted: boolean): string {
  return PORT_IN_HOST.exec(host)?.[1] ?? (encrypted ? '443' : '80');
}
