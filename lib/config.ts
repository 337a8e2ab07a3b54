import { z } from 'zod';

/**
 * Configuration is read once at start from the environment and validated with a zod schema per
 * process. A bad value stops the process with one line naming the variable (never its value:
 * it may be a secret).
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  // Empty strings mean "unset", as they do in compose files and shell exports.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = issue.path.map(String).join('.') || 'environment';
  throw new ConfigError(variable, `invalid configuration: ${variable}: ${issue.message}`);
}

/**
 * Plain decimal digits, then a number. z.coerce.number() alone also takes '1e9', '0x10', '0b1'
 * and ' 12 ', spellings nobody means for a port or a duration; '1e9' seconds is 31 years.
 */
function decimal(error: string) {
  return z.string({ error }).regex(/^[0-9]+$/, error).transform(Number);
}

/** Field builders shared by every process schema, so the same kind of value means the same thing. */
export const envField = {
  port: (fallback: number) => decimal('must be a TCP port number').pipe(z.number().max(65535, 'must be 0-65535')).default(fallback),
  /**
   * Whole seconds in [min, max]. Every duration has a ceiling: a typo such as an extra digit must
   * stop the process, not mint tokens that live for years.
   */
  seconds: (fallback: number, { min = 1, max }: { min?: number; max: number }) =>
    decimal('must be a whole number of seconds')
      .pipe(
        z
          .number()
          .min(min, min === 1 ? 'must be a positive number of seconds' : `must be ${min} or more seconds`)
          .max(max, `must be at most ${max} seconds`),
      )
      .default(fallback),
  url: () => z.url({ error: 'must be a URL such as http://host:port' }),
  redisUrl: () => z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  mongoUrl: () => z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL'),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(fallback),
  /** A secret that must be long enough to resist guessing. */
  secret: (minLength = 32) => z.string().min(minLength, `must be at least ${minLength} characters`),
};
