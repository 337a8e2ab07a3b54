import type { IncomingMessage } from 'node:http';

const first = (value: string | string[] | undefined) => {
  const text = Array.isArray(value) ? value[0] : value;
  const comma = text?.indexOf(',') ?? -1;
  return comma === -1 ? text?.trim() : text!.slice(0, comma).trim();
};

/**
 * The URL the client used for this request, as a DPoP proof's `htu` names it (RFC 9449 §4.3):
 * scheme and host from X-Forwarded-Proto/Host, which setForwardedHeaders has already made true
 * (kept from TRUSTED_PROXIES, else rewritten from the connection), and `path` as received, before
 * any prefix was stripped. Called only for requests that carry DPoP, never on the Bearer path.
 */
export function publicUrlOf(req: IncomingMessage, path: string): string {
  const proto = first(req.headers['x-forwarded-proto']) ?? 'http';
  const host = first(req.headers['x-forwarded-host']) ?? req.headers.host ?? 'localhost';
  return `${proto}://${host}${path}`;
}
