import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { isAppError } from '../errors.js';

/**
 * The one tracer of the stack, from @opentelemetry/api alone. Until `startTracing` registers an
 * SDK (only when OTEL_EXPORTER_OTLP_ENDPOINT is set), the API hands out non-recording spans and a
 * propagator that injects nothing: a few property reads per call, no allocation to speak of.
 */
export const tracer = trace.getTracer('authgate');

let enabled = false;

/** What `withSpan` hands its callback while tracing is off: records nothing, as the API's own no-op span. */
const NON_RECORDING_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether an SDK was registered in this process. The gateway's hot path and the express
 * middleware check it per request and skip even the no-op API calls when it is false.
 */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Called by startTracing once its SDK is registered. */
export function markTracingEnabled(): void {
  enabled = true;
}

/**
 * Runs `fn` inside a span that is the active one for everything it calls (and awaits), and ends
 * it when `fn` returns or its promise settles. A failure marks the span as an error with
 * `error.type` = the AppError code or the error's class name: never its message, which could
 * quote input. Callers pass only attributes that hold no token, secret, password or key.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T, kind: SpanKind = SpanKind.INTERNAL): T {
  // Off, the API's no-op span would still cost a context switch and a closure per call; token
  // issuance calls this once per token.
  if (!enabled) return fn(NON_RECORDING_SPAN);
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (err) {
      failSpan(span, err);
      span.end();
      throw err;
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        failSpan(span, err);
        span.end();
        throw err;
      },
    ) as T;
  });
}

/** Marks a span failed by the error's stable code, never by its message. */
export function failSpan(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', errorType(err));
}

function errorType(err: unknown): string {
  if (isAppError(err)) return err.code;
  if (err instanceof Error) return (err as Error & { code?: unknown }).code?.toString() ?? err.name;
  return 'Error';
}
