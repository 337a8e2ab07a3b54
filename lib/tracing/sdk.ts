/**
 * The OpenTelemetry SDK, loaded only by startTracing's dynamic import (never import this module
 * statically: it is what "off costs nothing" keeps out of the process).
 *
 * Spans are batched (OTEL_BSP_* tune the batch) and exported as OTLP/HTTP JSON to
 * `url` (worked out by startTracing from the environment it was given); the exporter reads the
 * other OTEL_EXPORTER_OTLP_* variables (headers, timeout, certificates) from process.env itself. Context follows async calls through AsyncLocalStorage;
 * W3C Trace Context (`traceparent`, `tracestate`) is the propagation format. Sampling follows
 * OTEL_TRACES_SAMPLER (default: parent-based, always on).
 */
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export function registerSdk(serviceName: string, url: string): () => Promise<void> {
  // OTEL_RESOURCE_ATTRIBUTES still apply; the service name is ours (OTEL_SERVICE_NAME already chose it).
  const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return () => provider.shutdown();
}
