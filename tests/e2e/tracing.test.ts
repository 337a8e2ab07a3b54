import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from './support/local-stack.js';
import { waitFor } from '../gateway/http-client.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../lib/tracing-otlp-receiver.js';

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/**
 * Tracing across the hops of the stack `npm start` runs, exported to an OTLP/HTTP receiver this
 * test starts: a reports call made through the gateway by a user crosses gateway, reports, auth
 * (token exchange), gateway again and notes, and must come out as one trace, continuing the
 * caller's own traceparent. No export may hold a token, password or secret.
 */
let receiver: OtlpReceiver;
let stack: LocalStack | undefined;
let gateway = '';
const secrets = {
  AUTH_ADMIN_TOKEN: randomBytes(32).toString('base64url'),
  REPORTS_CLIENT_SECRET: randomBytes(32).toString('base64url'),
  REVOCATION_FEED_TOKEN: randomBytes(32).toString('base64url'),
};
const password = 'demo-password-1234';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startLocalStack({
    via: 'script',
    env: {
      AUTH_CLIENTS_FILE: '',
      ...secrets,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      // Each process is named after itself.
      OTEL_SERVICE_NAME: '',
      OTEL_SDK_DISABLED: '',
      OTEL_TRACES_EXPORTER: '',
      OTEL_TRACES_SAMPLER: '',
      // Export every 100 ms rather than every 5 s, so the test polls briefly.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  gateway = stack.gateway;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function spansOf(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

/** Every span's parent is in the trace, or is the caller's span: one connected tree. */
function expectConnected(spans: ReceivedSpan[], callerSpanId: string | undefined): void {
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) expect(span.parentSpanId === callerSpanId || ids.has(span.parentSpanId!), `${span.service} ${span.name} has a parent in the trace`).toBe(true);
}

function parentOf(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan | undefined {
  return spans.find((candidate) => candidate.spanId === span.parentSpanId);
}

describe('tracing in the npm start stack', () => {
  let login: { access_token: string; refresh_token: string };
  let loginTrace = '';

  it('when a user logs in, then the trace holds the gateway request, the password check and the token issuance', async () => {
    loginTrace = hex(16);
    const res = await fetch(`${gateway}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${loginTrace}-${hex(8)}-01` },
      body: JSON.stringify({ username: 'demo', password }),
    });
    expect(res.status).toBe(200);
    login = (await res.json()) as typeof login;
    await waitFor(() => spansOf(loginTrace).some((span) => span.name === 'issue access token') && spansOf(loginTrace).some((span) => span.service === 'auth' && span.kind === SPAN_KIND_SERVER), { timeoutMs: 15_000, intervalMs: 100 });
    const spans = spansOf(loginTrace);
    const verifyPassword = spans.find((span) => span.name === 'verify password');
    expect(verifyPassword?.service).toBe('auth');
    // The password check ran in the route's context, after the JSON body was read from the socket.
    expect(parentOf(verifyPassword!, spans)).toMatchObject({ service: 'auth', name: 'POST /auth/login', kind: SPAN_KIND_SERVER });
    expect(spans.find((span) => span.name === 'issue access token')).toMatchObject({ service: 'auth', attributes: { 'oauth.client_id': expect.any(String) } });
  }, 30_000);

  it('when a user asks reports for a summary through the gateway, then gateway, reports, auth and notes share one trace, the caller\'s', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const res = await fetch(`${gateway}/api/reports/summary`, {
      headers: { authorization: `Bearer ${login.access_token}`, traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-request-id': 'trace-e2e-summary' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('trace-e2e-summary');

    const services = () => new Set(spansOf(traceId).map((span) => span.service));
    // notes answers last: wait for its server span and the gateway's (which ends after reports').
    await waitFor(
      () => ['gateway', 'reports', 'auth', 'notes'].every((name) => services().has(name)) && spansOf(traceId).filter((span) => span.service === 'gateway' && span.kind === SPAN_KIND_SERVER).length === 2,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const spans = spansOf(traceId);
    expectConnected(spans, callerSpanId);

    // The gateway continued the caller's trace and carries the request id.
    const edge = spans.find((span) => span.parentSpanId === callerSpanId)!;
    expect(edge).toMatchObject({ service: 'gateway', kind: SPAN_KIND_SERVER, name: 'GET /api/reports', attributes: { 'http.request.header.x-request-id': ['trace-e2e-summary'], 'http.response.status_code': 200 } });
    expect(spans.find((span) => span.service === 'gateway' && span.name === 'verify access token' && span.parentSpanId === edge.spanId)).toBeDefined();
    const upstream = spans.find((span) => span.service === 'gateway' && span.kind === SPAN_KIND_CLIENT && span.parentSpanId === edge.spanId)!;
    expect(upstream.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });

    // reports' server span is the child of the gateway's upstream call, with the same request id.
    const reports = spans.find((span) => span.service === 'reports' && span.kind === SPAN_KIND_SERVER)!;
    expect(reports).toMatchObject({ parentSpanId: upstream.spanId, name: 'GET /reports/summary', attributes: { 'http.request.header.x-request-id': ['trace-e2e-summary'] } });

    // reports exchanged the user's token at auth: auth verified it and issued a new one, in this trace.
    const exchange = spans.find((span) => span.service === 'auth' && span.kind === SPAN_KIND_SERVER && span.name === 'POST /oauth/token')!;
    expect(parentOf(exchange, spans)).toMatchObject({ service: 'reports', kind: SPAN_KIND_CLIENT, name: 'POST' });
    // Children of auth's server span: the token endpoint runs outside express, in the request's context.
    expect(spans.some((span) => span.service === 'auth' && span.name === 'issue access token' && span.parentSpanId === exchange.spanId)).toBe(true);
    expect(spans.some((span) => span.service === 'auth' && span.name === 'verify access token' && span.parentSpanId === exchange.spanId)).toBe(true);

    // Then notes through the gateway again: reports' client span, a second gateway span, notes.
    const notes = spans.find((span) => span.service === 'notes' && span.kind === SPAN_KIND_SERVER)!;
    expect(notes.name).toBe('GET /notes');
    const secondHop = parentOf(notes, spans)!;
    expect(secondHop).toMatchObject({ service: 'gateway', kind: SPAN_KIND_CLIENT });
    expect(parentOf(parentOf(secondHop, spans)!, spans)).toMatchObject({ service: 'reports', kind: SPAN_KIND_CLIENT });
    expect(spans.some((span) => span.service === 'notes' && span.name === 'verify access token')).toBe(true);
  }, 30_000);

  it('when an ingress asks the decision port, then the decision is a server span of the ingress\'s trace, named by the original request, the token check in its context', async () => {
    const traceId = hex(16);
    const ingressSpanId = hex(8);
    const res = await fetch(`${stack!.decision}/decide/auth-request`, {
      headers: { authorization: `Bearer ${login.access_token}`, 'x-original-method': 'GET', 'x-original-uri': '/api/reports/summary?week=1', traceparent: `00-${traceId}-${ingressSpanId}-01` },
    });
    expect(res.status).toBe(200);
    await waitFor(() => spansOf(traceId).some((span) => span.kind === SPAN_KIND_SERVER), { timeoutMs: 15_000, intervalMs: 100 });
    const spans = spansOf(traceId);
    const decision = spans.find((span) => span.kind === SPAN_KIND_SERVER)!;
    expect(decision).toMatchObject({
      service: 'gateway',
      parentSpanId: ingressSpanId,
      name: 'GET /api/reports',
      attributes: { 'url.path': '/api/reports/summary', 'http.route': '/api/reports', 'http.response.status_code': 200, 'authgate.decision': true },
    });
    // The token check ran in the decision's context: a cache hit (the proxy port verified this token
    // a moment ago) is an attribute of the span, a miss a child span.
    const checked = decision.attributes['authgate.token_cache'] === 'hit' || spans.some((span) => span.name === 'verify access token' && span.parentSpanId === decision.spanId);
    expect(checked, 'the token check in the decision span').toBe(true);
  }, 30_000);

  it('when a verifier fetches the JWKS, then auth serves it as a child of the verifier\'s fetch span', async () => {
    // Every verifier fetched the keys at start-up.
    const fetches = receiver.spans.filter((span) => span.name === 'fetch JWKS');
    expect(new Set(fetches.map((span) => span.service))).toEqual(new Set(['gateway', 'notes', 'reports']));
    const served = receiver.spans.filter((span) => span.service === 'auth' && span.name === 'GET /.well-known/jwks.json');
    for (const fetchSpan of fetches) expect(served.some((span) => span.traceId === fetchSpan.traceId && span.parentSpanId === fetchSpan.spanId), `${fetchSpan.service}'s JWKS fetch continues at auth`).toBe(true);
  });

  it('when every export is searched, then no token, password or secret appears in it', () => {
    const everything = receiver.bodies.join('\n');
    expect(receiver.spans.length).toBeGreaterThan(10);
    for (const secret of [login.access_token, login.access_token.split('.')[2]!, login.refresh_token, password, ...Object.values(secrets)]) {
      expect(everything.includes(secret)).toBe(false);
    }
    expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    // No header but the request id is recorded, and no attribute is named after a credential.
    for (const key of new Set(receiver.spans.flatMap((span) => Object.keys(span.attributes)))) {
      expect(key).not.toMatch(/^http\.(request|response)\.header\.(?!x-request-id$)|authorization|cookie|secret|credential/i);
    }
  });
});
