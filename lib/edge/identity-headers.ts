import type { IncomingHttpHeaders } from 'node:http';
import type { VerifiedToken } from '../verifier/index.js';

/**
 * True for `x-auth-*` in any spelling: upstreams trust these names to come from the gateway, so
 * on every route (public ones too) a caller's are removed (hop-by-hop.ts, stripInboundHeaders).
 * `_` counts as `-`: CGI-style frameworks (WSGI, PHP, Rack) map `X_Auth_Subject` and
 * `X-Auth-Subject` to the same HTTP_X_AUTH_SUBJECT, so a spoofed underscore spelling would read
 * as the gateway's header. Node has already lower-cased the names. Checked by char code: this
 * runs for every header of every request.
 */
export function isIdentityHeaderName(name: string): boolean {
  return (
    name.length >= 7 &&
    name.charCodeAt(0) === 120 /* x */ &&
    isSeparator(name.charCodeAt(1)) &&
    name.startsWith('auth', 2) &&
    isSeparator(name.charCodeAt(6))
  );
}

function isSeparator(code: number): boolean {
  return code === 45 /* - */ || code === 95 /* _ */;
}

interface IdentityHeaders {
  subject: string;
  clientId: string;
  scope: string;
  roles: string;
  actor: string | undefined;
}

/**
 * Header values per verified token. The verifier hands out the same VerifiedToken object for
 * every request of a cached token, so the values are worked out once per token, not per request.
 */
const valuesOf = new WeakMap<VerifiedToken, IdentityHeaders>();

/** The verified identity for upstreams, next to the original Authorization header. */
export function setIdentityHeaders(headers: IncomingHttpHeaders, identity: VerifiedToken): void {
  let values = valuesOf.get(identity);
  if (values === undefined) {
    values = {
      subject: headerSafe(identity.sub),
      clientId: headerSafe(identity.clientId),
      scope: headerSafe(identity.scopes.join(' ')),
      roles: headerSafe(identity.roles.join(',')),
      // Only on delegated (exchanged) tokens: the act.sub chain, innermost last.
      actor: identity.actor.length > 0 ? headerSafe(identity.actor.join(',')) : undefined,
    };
    valuesOf.set(identity, values);
  }
  headers['x-auth-subject'] = values.subject;
  headers['x-auth-client-id'] = values.clientId;
  headers['x-auth-scope'] = values.scope;
  headers['x-auth-roles'] = values.roles;
  if (values.actor !== undefined) headers['x-auth-actor'] = values.actor;
}

const VISIBLE_ASCII = /^[\x20-\x7e]*$/;

/** Claims are signed by our issuer, but a header must never carry CR/LF or non-ASCII: percent-encode those. */
function headerSafe(value: string): string {
  return VISIBLE_ASCII.test(value) ? value : encodeURIComponent(value);
}
