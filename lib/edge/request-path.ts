import { hasMalformedPercentEncoding, malformedPathError } from '../http/percent-encoding.js';

/**
 * Which route a request-target belongs to, read the way the upstream frameworks behind us could
 * read it (express, fastify, Spring/Tomcat, Go net/http, nginx), so a path is never authorised
 * under one route and served by another:
 *
 * - refused outright (400): no leading `/`; a fragment (`#`, not allowed in a request-target,
 *   RFC 9112 §3.2; express cuts the path there); a NUL or control character, raw or
 *   percent-encoded; a malformed percent-escape (`%ZZ`, `%4`); `.`/`..` segments, plain or
 *   encoded, and segments that become one once `;params` are dropped (`..;`, `.%3b`); `%2F`/`%5C`
 *   and `\` (decoded or read as `/` by some servers);
 * - otherwise the path is read three ways: as sent; percent-decoded with empty segments merged
 *   (Go and Spring decode before matching, nginx merges `//`); and decoded after dropping each
 *   segment's `;params` (Tomcat, Spring). Every reading is matched case-insensitively (express
 *   and Spring match case-insensitively by default). When the readings land on different
 *   routes the request is refused (400): no route is left for a framework to pick.
 *
 * The request goes upstream byte for byte as sent; only the route choice is normalised.
 */
export type PathVerdict<R> = { kind: 'route'; route: R | undefined } | { kind: 'invalid'; reason: string };

const DOT_SEGMENTS = /%2f|%5c|\\|(?:^|\/)(?:\.|%2e)(?:\.|%2e|;|%3b|\/|$)/i;
/** Controls (C0 and DEL) raw or percent-encoded, and `#` (a fragment). */
const FORBIDDEN = /[\x00-\x1f\x7f#]|%[01][0-9a-f]|%7f/i;
/** Only paths holding one of these can read differently in the three ways (the common case skips the work). */
const NEEDS_READINGS = /[%;]|\/\//;

/** Nothing any rule below looks for: the common path takes one regex and one lookup. */
const PLAIN = /^\/[^%\\.#;\x00-\x1f\x7f/]*(?:\/[^%\\.#;\x00-\x1f\x7f/]+)*\/?$/;

export function resolvePath<R>(path: string, findRoute: (lowerCasePath: string) => R | undefined): PathVerdict<R> {
  if (PLAIN.test(path)) return { kind: 'route', route: findRoute(path.toLowerCase()) };
  if (path.charCodeAt(0) !== 47 /* / */) return invalid('the request path must start with /');
  if (FORBIDDEN.test(path)) return invalid('the request path holds a fragment or a control character');
  if (hasMalformedPercentEncoding(path)) return invalid(malformedPathError().message);
  if (DOT_SEGMENTS.test(path)) return invalid('the request path is not valid');
  const asSent = path.toLowerCase();
  const route = findRoute(asSent);
  if (!NEEDS_READINGS.test(path)) return { kind: 'route', route };
  const decoded = decodedReading(asSent, false);
  const withoutParams = decodedReading(asSent, true);
  if (findRoute(decoded) !== route || findRoute(withoutParams) !== route) {
    return invalid('the request path could reach a different route once decoded (percent-escapes, ;parameters or //)');
  }
  return { kind: 'route', route };
}

function decodedReading(path: string, dropParams: boolean): string {
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    const cut = dropParams ? raw.indexOf(';') : -1;
    const segment = decodeURIComponent(cut === -1 ? raw : raw.slice(0, cut));
    if (segment !== '') segments.push(segment);
  }
  return `/${segments.join('/')}`.toLowerCase();
}

function invalid<R>(reason: string): PathVerdict<R> {
  return { kind: 'invalid', reason };
}
