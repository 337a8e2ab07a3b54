import { z } from 'zod';
import { envField, loadConfig, type Env } from '../lib/config.js';
import { checkRedisEnv, redisEnvFields, toRedisSettings, type RedisSettings } from '../lib/redis/env.js';
import { allowedOriginsField, loopbackOrigins } from '../lib/http/csrf.js';
import { toVerifierSettings, verifierEnvFields, type VerifierSettings } from '../lib/verifier/env.js';

/** Every variable the gateway reads, with its default. */
export const gatewayConfigSchema = z
  .object({
    GATEWAY_PORT: envField.port(8080),
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
