import http from 'node:http';
import https from 'node:https';
import { verifierTracing } from './tracing.js';

/** What node's ClientRequest is to an Agent's addRequest: headers can still be set on it. */
type AddRequest = (req: http.ClientRequest, options: unknown) => void;

/**
 * The keep-alive Agent JWKS downloads go through (jwks-rsa takes an agent but no per-request
 * headers). Each request is handed to the verifier's tracing port first, which writes the active
 * trace context (`traceparent`) when a tracer is plugged in, so the download continues the trace
 * of the verification that needed it. `addRequest` runs inside `http.request`, before the head is
 * written, in the caller's context; the port is read per request, so turning tracing on after a
 * verifier was built still works.
 */
export function jwksAgent(protocol: 'http:' | 'https:'): http.Agent {
  const agent = protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const withAgent = agent as unknown as { addRequest: AddRequest };
  const addRequest = withAgent.addRequest.bind(agent);
  withAgent.addRequest = (req, options) => {
    if (!req.headersSent) verifierTracing().propagate(req);
    addRequest(req, options);
  };
  return agent;
}
