import type { ClientRequest } from 'node:http';

/**
 * What the verifier asks of a tracer: a span around an uncached verification and around a JWKS
 * download, a note on the request's span that the token cache answered, and the trace context
 * written into each JWKS request (`traceparent`, lib/verifier/jwks-agent.ts). A port, so the
 * verifier core loads no OpenTelemetry: lib/tracing plugs its implementation in when a process
 * turns tracing on (startTracing), and every verifier of that process uses it from then on.
 */
export interface VerifierTracing {
  span<T>(name: string, attributes: Record<string, string>, fn: () => T, kind: 'internal' | 'client'): T;
  /** Called on a token-cache hit; must cost next to nothing (the gateway's hot path). */
  cacheHit(): void;
  /** Writes the active trace context into an outgoing request whose head is not sent yet. */
  propagate(req: ClientRequest): void;
}

/** No tracer: the callback runs as is, and JWKS requests go out as they are. */
export const NO_TRACING: VerifierTracing = {
  span: (_name, _attributes, fn) => fn(),
  cacheHit: () => {},
  propagate: () => {},
};

let current: VerifierTracing = NO_TRACING;

/** Process-wide, like OpenTelemetry's own global provider; called by lib/tracing's startTracing. */
export function traceVerifiersWith(tracing: VerifierTracing): void {
  current = tracing;
}

/** The tracing verifiers use right now (read per call, so an order of start-up steps cannot lose spans). */
export function verifierTracing(): VerifierTracing {
  return current;
}
