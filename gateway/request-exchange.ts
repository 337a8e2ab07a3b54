import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { EndedRequest } from '../lib/http/request-lifecycle.js';

/**
 * What the gateway knows about one request, for its log line and metrics, and what the access
 * decision (access-decision.ts) reads: on the proxy port the request itself; on the decision port
 * the ingress's question, standing for the original request (its method, path and host).
 */
export class RequestExchange implements EndedRequest {
  readonly started = process.hrtime.bigint();
  /** The matched route's prefix. */
  route: string | undefined = undefined;
  websocket = false;
  /** The request's SERVER span, when tracing is on. */
  span: Span | undefined = undefined;
  /** On a rate-limited route, once the request spent its budget: the answer's RateLimit-Policy and RateLimit (answer-fields.ts). */
  rateLimitPolicy: string | undefined = undefined;
  rateLimit: string | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** The original request's path, without its query: what routes match and DPoP's `htu` names. */
    readonly path: string,
    readonly requestId: string,
  ) {}
}

export const EXCHANGE = Symbol('gatewayExchange');
export type Tracked = ServerResponse & { [EXCHANGE]?: RequestExchange };
