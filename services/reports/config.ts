import { z } from 'zod';
import { envField, loadConfig, type Env } from '../../lib/config.js';
import { checkRedisEnv, redisEnvFields, toRedisSettings, type RedisSettings } from '../../lib/redis/env.js';
import { toVerifierSettings, verifierEnvFields, type VerifierSettings } from '../../lib/verifier/env.js';

/**
 * Every variable the reports service reads, with its default. It verifies incoming tokens like
 * notes does (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_URL, JWKS_URI) and gets its own token from the
 * auth service's token endpoint (default `${AUTH_URL}/oauth/token`) as client REPORTS_CLIENT_ID.
 */
export const reportsConfigSchema = z
  .object({
    REPORTS_PORT: envField.port(4002),
    HOST: z.string().min(1).default('127.0.0.1'),
    /** reports reaches notes the way any client does: through the gateway, at `${GATEWAY_URL}/api/notes`. */
    GATEWAY_URL: envField.url().default('http://localhost:8080'),
    ...verifierEnvFields,
    /** Where client-credentials tokens come from; default `${AUTH_URL}/oauth/token` (AUTH_URL defaults to AUTH_ISSUER). */
    AUTH_TOKEN_ENDPOINT: envField.url().optional(),
    REPORTS_CLIENT_ID: z.string().min(1).default('reports'),
    /** Required: the secret registered for REPORTS_CLIENT_ID (clients file or admin API). */
    REPORTS_CLIENT_SECRET: z
      .string({ error: 'is required: the client secret registered for REPORTS_CLIENT_ID (npm start generates one)' })
      .min(32, 'must be at least 32 characters'),
    ...redisEnvFields,
    LOG_LEVEL: envField.logLevel(),
  })
  .superRefine(checkRedisEnv)
  .transform((env) => {
    const verifier = toVerifierSettings(env);
    return {
      port: env.REPORTS_PORT,
      host: env.HOST,
      gatewayUrl: env.GATEWAY_URL.replace(/\/+$/, ''),
      verifier,
      tokenEndpoint: env.AUTH_TOKEN_ENDPOINT ?? `${verifier.authUrl}/oauth/token`,
      clientId: env.REPORTS_CLIENT_ID,
      clientSecret: env.REPORTS_CLIENT_SECRET,
      redis: toRedisSettings(env),
      redisKeyPrefix: env.REDIS_KEY_PREFIX,
      logLevel: env.LOG_LEVEL,
    };
  });

export interface ReportsConfig {
  port: number;
  host: string;
  /** Without a trailing slash. */
  gatewayUrl: string;
  verifier: VerifierSettings;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Undefined without Redis: no revocation feed. */
  redis?: RedisSettings | undefined;
  redisKeyPrefix: string;
  logLevel: string;
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable (never its value). */
export function loadReportsConfig(env: Env = process.env): ReportsConfig {
  return loadConfig(reportsConfigSchema, env);
}
