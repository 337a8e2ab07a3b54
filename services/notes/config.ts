import { z } from 'zod';
import { envField, loadConfig, type Env } from '../../lib/config.js';
import { checkRedisEnv, redisEnvFields, toRedisSettings, type RedisSettings } from '../../lib/redis/env.js';
import { toVerifierSettings, verifierEnvFields, type VerifierSettings } from '../../lib/verifier/env.js';

/** Every variable the notes service reads, with its default. */
export const notesConfigSchema = z
  .object({
    NOTES_PORT: envField.port(4001),
    HOST: z.string().min(1).default('127.0.0.1'),
    ...verifierEnvFields,
    ...redisEnvFields,
    LOG_LEVEL: envField.logLevel(),
  })
  .superRefine(checkRedisEnv)
  .transform((env) => ({
    port: env.NOTES_PORT,
    host: env.HOST,
    verifier: toVerifierSettings(env),
    redis: toRedisSettings(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    logLevel: env.LOG_LEVEL,
  }));

export interface NotesConfig {
  port: number;
  host: string;
  verifier: VerifierSettings;
  /** Undefined without Redis: no revocation feed. */
  redis?: RedisSettings | undefined;
  redisKeyPrefix: string;
  logLevel: string;
}

export function loadNotesConfig(env: Env = process.env): NotesConfig {
  return loadConfig(notesConfigSchema, env);
}
