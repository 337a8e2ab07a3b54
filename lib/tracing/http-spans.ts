import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { tracer } from './tracer.js';

const TRACE_CONTEXT = Symbol('traceContext');
type Traced = IncomingMessage & { [TRACE_CONTEXT]?: Context };

/**
 * The SERVER span of an incoming request (OpenTelemetry HTTP semantic conventions), a child of
 * the caller's `traceparent` when it sent a valid one. Its context is kept on `req` for the
 * calls the request makes (traceContextOf). Recorded: method, path without the query (a query
 * may carry an `access_token`), the request id; never a header that could hold a credential.
 */
export function startServerSpan(req: IncomingMessage, path: string, requestId: string): Span {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const method = req.method ?? 'GET';
  const span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path, 'http.request.header.x-request-id': [requestId] } },
    parent,
  );
  (req as Traced)[TRACE_CONTEXT] = trace.setSpan(parent, span);
  return span;
}

/** The context of `req`'s server span; undefined when tracing is off. */
export function traceContextOf(req: IncomingMessage): Context | undefined {
  return (req as Traced)[TRACE_CONTEXT];
}

/** Names the span after its route (low cardinality: `GET /api/notes`, `GET /notes/:id`), records the status, ends it. */
export function endServerSpan(span: Span, method: string | undefined, route: string | undefined, statusCode: number, aborted: boolean): void {
  if (route !== undefined) {
    span.updateName(`${method ?? 'GET'} ${route}`);
    span.setAttribute('http.route', route);
  }
  span.setAttribute('http.response.status_code', statusCode);
  if (aborted) span.setAttribute('authgate.aborted', true);
  if (statusCode >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', String(statusCode));
  }
  span.end();
}

/**
 * A CLIENT span for a call to `target`, child of `parent`, whose context is written into
 * `headers` as `traceparent` (and `tracestate` when the trace has one). A `tracestate` the
 * caller sent is dropped first: it belongs to the caller's hop, and the trace's own state (if
 * any) is written back from the span context.
 */
export function startClientSpan(parent: Context, headers: IncomingHttpHeaders | Record<string, string>, method: string, target: URL): Span {
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': method, 'server.address': target.hostname, 'server.port': portOf(target) },
    },
    parent,
  );
  delete headers.tracestate;
  propagation.inject(trace.setSpan(parent, span), headers);
  return span;
}

/** Ends a CLIENT span with the upstream's status, or as failed with `error.type` when there was none. */
export function endClientSpan(span: Span, statusCode: number | undefined, errorType?: string): void {
  if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
  if (errorType !== undefined || (statusCode ?? 0) >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', errorType ?? String(statusCode));
  }
  span.end();
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
