import { context } from '@opentelemetry/api';
import { endClientSpan, startClientSpan } from './http-spans.js';
import { tracingEnabled } from './tracer.js';

/**
 * `fetch` that makes a CLIENT span per call and sends the trace on (`traceparent`), for services
 * that call others (reports to auth and to notes through the gateway). Wrapping `fetch` once at
 * the composition root covers every adapter and lib/client-credentials.ts alike, which stay
 * plain-fetch and importable by any service. Off, it is `doFetch` itself.
 */
export function tracedFetch(doFetch: typeof fetch = fetch): typeof fetch {
  return async (input, init = {}) => {
    if (!tracingEnabled()) return doFetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init.method ?? (input instanceof Request ? input.method : 'GET');
    const carrier: Record<string, string> = {};
    const span = startClientSpan(context.active(), carrier, method, url);
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(carrier)) headers.set(name, value);
    let response: Response;
    try {
      response = await doFetch(input, { ...init, headers });
    } catch (err) {
      endClientSpan(span, undefined, err instanceof Error ? err.name : 'Error');
      throw err;
    }
    endClientSpan(span, response.status);
    return response;
  };
}
