import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { responseHead } from '../lib/edge/hop-by-hop.js';
import { EXCHANGE, type Tracked } from './request-exchange.js';

/**
 * The fields the gateway adds to every answer it gives: X-Request-Id, and on a rate-limited route
 * `RateLimit-Policy` / `RateLimit` (kept on the exchange when the budget was spent, rate-limited.ts).
 * They are added when the answer is written, never earlier: a response with no header set yet
 * takes node's fast `writeHead(status, headers)` path for the upstream's head, while one set
 * early makes node re-validate every upstream header through `setHeader` on every proxied
 * response (bench/README.md, issue 27: that was most of what a rate limit cost).
 */

/** For an answer the gateway writes itself (a refusal, a 502, a preflight): set on `res`. */
export function stampAnswerFields(res: ServerResponse): void {
  // A response already under way is cut, not answered (send-json.ts), and keeps the fields it had.
  if (res.headersSent) return;
  res.setHeader('X-Request-Id', res.req.headers['x-request-id']!);
  const exchange = (res as Tracked)[EXCHANGE];
  if (exchange?.rateLimit !== undefined) {
    res.setHeader('RateLimit-Policy', exchange.rateLimitPolicy!);
    res.setHeader('RateLimit', exchange.rateLimit);
  }
}

/** An upstream's response head as writeHead takes it (responseHead), with the gateway's fields. */
export function proxiedHead(headers: IncomingHttpHeaders, res: ServerResponse): (string | string[])[] {
  const head = responseHead(headers, res.req.headers['x-request-id'] as string);
  const exchange = (res as Tracked)[EXCHANGE];
  // Pushed after the upstream's own: an upstream that limits too keeps its fields, and the two
  // field lines combine into one Structured Field list of two named policies (RFC 9110 §5.3).
  if (exchange?.rateLimit !== undefined) head.push('ratelimit-policy', exchange.rateLimitPolicy!, 'ratelimit', exchange.rateLimit);
  return head;
}

/** The decision port's 200: its own header object, with the gateway's fields in it. */
export function addAnswerFields(headers: OutgoingHttpHeaders, res: ServerResponse): void {
  headers['x-request-id'] = res.req.headers['x-request-id'];
  const exchange = (res as Tracked)[EXCHANGE];
  if (exchange?.rateLimit !== undefined) {
    headers['ratelimit-policy'] = exchange.rateLimitPolicy;
    headers.ratelimit = exchange.rateLimit;
  }
}
