import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { VerifierTracing } from '../verifier/tracing.js';
import { tracingEnabled, withSpan } from './tracer.js';

/**
 * The verifier's tracing port (lib/verifier/tracing.ts) on this stack's tracer: spans "verify
 * access token" and "fetch JWKS", `authgate.token_cache=hit` on the request's span, and the trace
 * context in JWKS requests, so auth's JWKS span is a child of the verifier's fetch. No span per
 * cache hit: an exported span costs many times what the hit itself does (bench/README.md, tracing
 * row).
 */
export const otelVerifierTracing: VerifierTracing = {
  span: (name, attributes, fn, kind) => withSpan(name, attributes, fn, kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL),
  cacheHit: () => {
    if (tracingEnabled()) trace.getActiveSpan()?.setAttribute('authgate.token_cache', 'hit');
  },
  propagate: (req) => {
    if (tracingEnabled()) propagation.inject(context.active(), req, { set: (carrier, name, value) => carrier.setHeader(name, value) });
  },
};
