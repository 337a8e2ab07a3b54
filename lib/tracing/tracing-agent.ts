import http from 'node:http';
import https from 'node:https';
import { context, propagation } from '@opentelemetry/api';
import { tracingEnabled } from './tracer.js';

/** What node's ClientRequest is to an Agent's addRequest: headers can still be set on it. */
type PendingRequest = http.ClientRequest;
type AddRequest = (req: PendingRequest, options: unknown) => void;

/**
 * A keep-alive Agent that writes the active trace context (`traceparent`, `tracestate`) into
 * every request it is handed. For libraries that take an agent but no per-request headers:
 * jwks-rsa, whose JWKS download then continues the trace of the verification that needed it.
 * `addRequest` runs inside `http.request`, before the head is written, in the caller's context.
 */
export function tracingAgent(protocol: 'http:' | 'https:'): http.Agent {
  const agent = protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const withAgent = agent as unknown as { addRequest: AddRequest };
  const addRequest = withAgent.addRequest.bind(agent);
  withAgent.addRequest = (req, options) => {
    if (tracingEnabled() && !req.headersSent) propagation.inject(context.active(), req, { set: (carrier, name, value) => carrier.setHeader(name, value) });
    addRequest(req, options);
  };
  return agent;
}
