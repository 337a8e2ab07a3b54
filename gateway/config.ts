import { z } from 'zod';
import { envField, loadConfig, type Env } from '../lib/config.js';
import { checkRedisEnv, redisEnvFields, toRedisSettings, type RedisSettings } from '../lib/redis/env.js';
import { trustedProxiesField, type ProxyTrust } from '../lib/http/client-address.js';
import { allowedOriginsField, loopbackOrigins } from '../lib/http/csrf.js';
import { toVerifierSettings, verifierEnvFields, type VerifierSettings } from '../lib/verifier/env.js';

/** Every variable the gateway reads, with its default. */
export const gatewayConfigSchema = z
  .object({
    GATEWAY_PORT: envField.port(8080),
    /** /metrics, /healthz, /readyz for Prometheus and probes; keep it off the internet (NetworkPolicy). */
    GATEWAY_OPS_PORT: envField.port(8081),
    /** /decide/* for an ingress's auth subrequests (nginx auth_request, forward auth, ext_authz); internal only. */
    GATEWAY_DECISION_PORT: envField.port(8082),
    /** The browser-session demo page at / (npm start sets it); off, / is routed like any path. */
    GATEWAY_DEMO_PAGE: envField.boolean(false),
    /** Peers (ingress, load balancer) whose X-Forwarded-* chain is kept: comma-separated IPs/CIDRs. */
    TRUSTED_PROXIES: trustedProxiesField(),
    HOST: z.string().min(1).default('127.0.0.1'),
    GATEWAY_ROUTES: z.string().min(1).default('gateway/routes.yaml'),
    ...verifierEnvFields,
    ...redisEnvFields,
    LOG_LEVEL: envField.logLevel(),
    /** Origins allowed to make cookie-authenticated writes (comma-separated). Default: this port on localhost and 127.0.0.1. */
    ALLOWED_ORIGINS: allowedOriginsField().optional(),
  })
  .superRefine(checkRedisEnv)
  .transform((env) => ({
    port: env.GATEWAY_PORT,
    opsPort: env.GATEWAY_OPS_PORT,
    decisionPort: env.GATEWAY_DECISION_PORT,
    demoPage: env.GATEWAY_DEMO_PAGE,
    trustedProxies: env.TRUSTED_PROXIES.trust,
    host: env.HOST,
    routesFile: env.GATEWAY_ROUTES,
    verifier: toVerifierSettings(env),
    redis: toRedisSettings(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    logLevel: env.LOG_LEVEL,
    allowedOrigins: env.ALLOWED_ORIGINS ?? loopbackOrigins(env.GATEWAY_PORT),
  }));

export interface GatewayConfig {
  port: number;
  /** Port of /metrics (and /healthz, /readyz); 0 picks a free one (tests). */
  opsPort: number;
  /** Port of the decision endpoints (docs/edge.md); 0 picks a free one (tests). */
  decisionPort: number;
  /** Serve the demo page at /, /app.js, /app.css. */
  demoPage: boolean;
  /** Peers whose X-Forwarded-* are kept and appended to (TRUSTED_PROXIES). */
  trustedProxies: ProxyTrust;
  host: string;
  /** Path of the routes YAML, relative to the working directory. */
  routesFile: string;
  verifier: VerifierSettings;
  /** Undefined without Redis: no revocation feed. */
  redis?: RedisSettings | undefined;
  redisKeyPrefix: string;
  logLevel: string;
  /** Origins whose pages may send cookie-authenticated unsafe requests (CSRF origin check). */
  allowedOrigins: ReadonlySet<string>;
}

/** Reads and validates the gateway's environment; throws ConfigError naming the bad variable. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}
