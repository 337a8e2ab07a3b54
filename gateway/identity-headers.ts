import type { IncomingHttpHeaders } from 'node:http';
import type { VerifiedToken } from '../lib/verifier/index.js';

/**
 * Removes every `x-auth-*` header a caller sent: upstreams trust these names to come from the
 * gateway, so on every route (public ones too) only the gateway may set them.
 */
export function stripIdentityHeaders(headers: IncomingHttpHeaders): void {
  for (const name in headers) {
    if (name.length > 7 && name.charCodeAt(0) === 120 /* x */ && name.startsWith('x-auth-')) delete headers[name];
  }
}

/** The verified identity for upstreams, next to the original Authorization header. */
export function setIdentityHeaders(headers: IncomingHttpHeaders, identity: VerifiedToken): void {
  headers['x-auth-subject'] = headerSafe(identity.sub);
  headers['x-auth-client-id'] = headerSafe(identity.clientId);
  headers['x-auth-scope'] = headerSafe(identity.scopes.join(' '));
  headers['x-auth-roles'] = headerSafe(identity.roles.join(','));
}

const VISIBLE_ASCII = /^[\x20-\x7e]*$/;

/** Claims are signed by our issuer, but a header must never carry CR/LF or non-ASCII: percent-encode those. */
function headerSafe(value: string): string {
  return VISIBLE_ASCII.test(value) ? value : encodeURIComponent(value);
}
