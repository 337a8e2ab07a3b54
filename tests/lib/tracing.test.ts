import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { createBaseApp, finishApp } from '../../lib/http/base-app.js';
import { createLogger } from '../../lib/logger.js';
import { startTracing, tracingRequested, type Tracing } from '../../lib/tracing/start-tracing.js';
import { tracedFetch } from '../../lib/tracing/traced-fetch.js';
import { tracingEnabled, withSpan } from '../../lib/tracing/tracer.js';
import { waitFor } from '../gateway/http-client.js';
import { startOtlpReceiver, type OtlpReceiver } from './tracing-otlp-receiver.js';

const require = createRequire(import.meta.url);
/** The SDK packages are CommonJS: once imported, even from ESM, they sit in require.cache. */
const sdkLoaded = () => Object.keys(require.cache).some((file) => file.includes('@opentelemetry/sdk-trace-base'));

describe('tracing off', () => {
  it.each([
    ['nothing set', {}, false],
    ['an endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    ['a traces endpoint', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
    ['an empty endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: '' }, false],
    ['the SDK disabled', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }, false],
    ['the exporter none', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }, false],
  ])('when %s, then tracing requested is %s', (_name, env, expected) => {
    expect(tracingRequested(env)).toBe(expected);
  });

  it('when no endpoint is set, then the SDK is not even loaded', async () => {
    const tracing = await startTracing('test', {});
    expect(tracing.enabled).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(sdkLoaded()).toBe(false);
  });

  it.each(['not a url', 'grpc://127.0.0.1:4317', 'file:///tmp/x'])('when the endpoint is %j, then start-up stops naming the variable', async (value) => {
    await expect(startTracing('test', { OTEL_EXPORTER_OTLP_ENDPOINT: value })).rejects.toMatchObject({ constructor: ConfigError, variable: 'OTEL_EXPORTER_OTLP_ENDPOINT' });
    expect(sdkLoaded()).toBe(false);
  });
});

describe('tracing on', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  const servers: Server[] = [];

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await tracing?.shutdown();
    await receiver?.close();
  });

  async function listen(app: ReturnType<typeof createBaseApp>): Promise<string> {
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('when an express app gets a traceparent and calls another with a JSON body, then both continue the trace, through the body parser', async () => {
    receiver = await startOtlpReceiver();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    tracing = await startTracing('lib-test');
    expect(tracing.enabled).toBe(true);
    expect(sdkLoaded()).toBe(true);

    const logger = createLogger({ name: 'test', level: 'silent' });
    let seenTraceState: string | undefined;
    const inner = createBaseApp({ logger });
    inner.post('/inner/:id', (await import('express')).default.json(), (req, res) => {
      seenTraceState = req.headers.tracestate as string | undefined;
      // After the body was read off the socket: still in the request's context.
      withSpan('after body', {}, () => res.json({ got: req.body }));
    });
    const innerUrl = await listen(finishApp(inner));
    const doFetch = tracedFetch();
    const outer = createBaseApp({ logger });
    outer.get('/outer', async (_req, res) => {
      const answer = await doFetch(`${innerUrl}/inner/7`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
      res.json(await answer.json());
    });
    const outerUrl = await listen(finishApp(outer));

    const traceId = 'a'.repeat(31) + '1';
    const callerSpan = 'b'.repeat(15) + '2';
    const res = await fetch(`${outerUrl}/outer`, { headers: { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: 'vendor=opaque', 'x-request-id': 'lib-test-1' } });
    expect(await res.json()).toEqual({ got: { a: 1 } });
    // The trace's own state goes on to the next hop.
    expect(seenTraceState).toBe('vendor=opaque');

    await waitFor(() => receiver.spans.filter((span) => span.traceId === traceId).length === 4, { timeoutMs: 10_000, intervalMs: 50 });
    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const outerSpan = spans.find((span) => span.name === 'GET /outer')!;
    expect(outerSpan).toMatchObject({ service: 'lib-test', parentSpanId: callerSpan, attributes: { 'http.request.header.x-request-id': ['lib-test-1'], 'http.route': '/outer', 'http.response.status_code': 200 } });
    const client = spans.find((span) => span.name === 'POST')!;
    expect(client.parentSpanId).toBe(outerSpan.spanId);
    const innerSpan = spans.find((span) => span.name === 'POST /inner/:id')!;
    expect(innerSpan).toMatchObject({ parentSpanId: client.spanId, attributes: { 'url.path': '/inner/7' } });
    expect(spans.find((span) => span.name === 'after body')?.parentSpanId).toBe(innerSpan.spanId);
  });
});
