import { ConfigError } from '../config.js';
import { traceVerifiersWith } from '../verifier/tracing.js';
import { markTracingEnabled } from './tracer.js';
import { otelVerifierTracing } from './verifier-tracing.js';

export interface Tracing {
  /** Whether spans are recorded and exported in this process. */
  enabled: boolean;
  /** Flushes spans still buffered and stops exporting; call it last on shutdown. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => {} };

/**
 * Turns tracing on for this process when the standard OpenTelemetry variables ask for it:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, and neither
 * `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`. `processName` is the service name
 * unless `OTEL_SERVICE_NAME` says otherwise. Off, the SDK is never even imported: the dynamic
 * import below is the only path to it, so an untraced process pays nothing but this function.
 */
export async function startTracing(processName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
  if (!tracingRequested(env)) return OFF;
  for (const variable of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const) {
    const value = env[variable];
    // The exporter would only log a warning and drop every span: refuse at start instead.
    if (value && !/^https?:$/.test(URL.parse(value)?.protocol ?? '')) throw new ConfigError(variable, `${variable} must be an http:// or https:// URL (OTLP/HTTP), got "${value}"`);
  }
  const { registerSdk } = await import('./sdk.js');
  const shutdown = registerSdk(env.OTEL_SERVICE_NAME || processName, tracesUrl(env));
  markTracingEnabled();
  // The verifier core loads no OpenTelemetry; it is handed its spans here.
  traceVerifiersWith(otelVerifierTracing);
  return { enabled: true, shutdown };
}

/** Where spans go, by the OTLP/HTTP rule: the traces endpoint as given, else the base endpoint + `v1/traces`. */
function tracesUrl(env: NodeJS.ProcessEnv): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT!;
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() !== 'none';
}
