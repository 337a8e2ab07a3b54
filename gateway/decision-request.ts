import { METHODS, type IncomingMessage } from 'node:http';
import { AppError, invalidRequest } from '../lib/errors.js';

/** The three questions the decision port answers (API.md, "Edge integrations"). */
export const DECISION_PATHS = { authRequest: '/decide/auth-request', forwardAuth: '/decide/forward-auth', extAuthz: '/decide/ext-authz' } as const;

/** The request an ingress asks about, as it received it. */
export interface OriginalRequest {
  method: string;
  /** Path and query, as sent by the client. */
  uri: string;
  /** `http` or `https`: what the client used (DPoP's `htu`). */
  proto: string;
  /** The authority the client addressed, when known. */
  host: string | undefined;
}

/** Longer than nginx's default request line buffer (8 KiB) is not a request an ingress took. */
export const MAX_ORIGINAL_URI = 8 * 1024;
/** Visible ASCII only: a request-target holds no space, control character (CR/LF, NUL) or raw non-ASCII byte. */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);
const PROTOCOLS: ReadonlySet<string> = new Set(['http', 'https']);
/** An authority: host (name, IPv4 or [IPv6]) and optional port; nothing that could end or extend a URL. */
const AUTHORITY = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Reads the original request out of a decision request, or throws 400 (issue 27, point 4): the
 * method and URI are required; each header that says what the request was must come once (a
 * second X-Original-URI, or a client's next to the ingress's, is a second request smuggled in:
 * which one the ingress served cannot be known); the URI must be origin-form (`/...`), visible
 * ASCII, not two URIs joined by a comma, and at most MAX_ORIGINAL_URI long. What the path then
 * means (percent-escapes, dot segments, `//`) is request-path.ts's, exactly as on the proxy port.
 * Returns undefined for a path that is none of the decision endpoints.
 */
export function readOriginalRequest(req: IncomingMessage, path: string): OriginalRequest | undefined {
  let method: string | undefined;
  let uri: string | undefined;
  if (path === DECISION_PATHS.authRequest) {
    method = single(req, 'x-original-method');
    uri = single(req, 'x-original-uri');
  } else if (path === DECISION_PATHS.forwardAuth) {
    method = single(req, 'x-forwarded-method');
    uri = single(req, 'x-forwarded-uri');
  } else if (path.startsWith(`${DECISION_PATHS.extAuthz}/`)) {
    // Envoy asks with the original method and appends the original path (and query) to the prefix.
    method = req.method;
    uri = (req.url ?? '').slice(DECISION_PATHS.extAuthz.length);
  } else if (path === DECISION_PATHS.extAuthz) {
    throw invalidRequest('ext_authz appends the original path to /decide/ext-authz', 'DECISION_URI_MISSING');
  } else {
    return undefined;
  }
  if (method === undefined || method === '') throw invalidRequest('the decision request does not name the original method', 'DECISION_METHOD_MISSING');
  if (uri === undefined || uri === '') throw invalidRequest('the decision request does not name the original URI', 'DECISION_URI_MISSING');
  if (!KNOWN_METHODS.has(method)) throw invalidRequest('the original method is not an HTTP method', 'DECISION_METHOD_INVALID');
  checkUri(uri);
  const proto = (single(req, 'x-forwarded-proto') ?? 'http').toLowerCase();
  if (!PROTOCOLS.has(proto)) throw invalidRequest('X-Forwarded-Proto must be http or https', 'DECISION_PROTO_INVALID');
  const host = single(req, 'x-forwarded-host') ?? req.headers.host;
  if (host !== undefined && !AUTHORITY.test(host)) throw invalidRequest('the original host is not a host[:port]', 'DECISION_HOST_INVALID');
  return { method, uri, proto, host };
}

function checkUri(uri: string): void {
  if (uri.length > MAX_ORIGINAL_URI) throw invalidRequest(`the original URI is longer than ${MAX_ORIGINAL_URI} characters`, 'DECISION_URI_INVALID');
  // Absolute-form (`http://other.example/...`), authority-form and `*` are not what an ingress routed by path.
  if (uri.charCodeAt(0) !== 47 /* / */) throw invalidRequest('the original URI must start with /', 'DECISION_URI_INVALID');
  if (!VISIBLE_ASCII.test(uri)) throw invalidRequest('the original URI holds a space, a control character or a non-ASCII byte', 'DECISION_URI_INVALID');
  const queryAt = uri.indexOf('?');
  const path = queryAt === -1 ? uri : uri.slice(0, queryAt);
  // `/public,/admin`: a second path joined on, the way header lines sent twice are joined.
  if (path.includes(',/')) throw invalidRequest('the original URI holds two paths joined by a comma', 'DECISION_URI_INVALID');
}

/** The one value of a header, undefined when absent; 400 when sent more than once. */
function single(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name] as string | undefined;
  // Node joins a repeated header's lines with ", ": only a value with a comma can be two lines, and
  // only then is `headersDistinct` (which parses every header of the request again) worth asking.
  if (value === undefined || !value.includes(',')) return value;
  const values = req.headersDistinct[name];
  if (values !== undefined && values.length !== 1) throw new AppError('DECISION_HEADER_REPEATED', 400, `${name} was sent more than once`, { error: 'invalid_request' });
  return value;
}
