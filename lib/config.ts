import { z } from 'zod';

/**
 * Configuration is read once at start from the environment and validated with a zod schema per
 * process. A bad environment stops the process with every problem at once, one line each, naming
 * the variable and what it expects (never its value: it may be a secret), so an operator fixes
 * them in one go instead of one restart per variable.
 */
export interface ConfigProblem {
  /** The variable (or file and place) that is wrong. */
  variable: string;
  /** What is expected there, in plain words, e.g. `must be a TCP port number`. */
  message: string;
}

export class ConfigError extends Error {
  /** Every problem found; `variable` is the first one's. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    readonly variable: string,
    message: string,
    problems?: readonly ConfigProblem[],
  ) {
    super(message);
    this.name = 'ConfigError';
    this.problems = problems ?? [{ variable, message }];
  }
}

/**
 * One problem: `invalid configuration: VAR: message` on one line. Several: a count, then one
 * indented `VAR: message` line each.
 */
export function configErrorOf(problems: readonly ConfigProblem[]): ConfigError {
  const [first] = problems;
  if (!first) throw new Error('configErrorOf needs at least one problem');
  const message =
    problems.length === 1
      ? `invalid configuration: ${first.variable}: ${first.message}`
      : [`invalid configuration: ${problems.length} problems`, ...problems.map((p) => `  ${p.variable}: ${p.message}`)].join('\n');
  return new ConfigError(first.variable, message, problems);
}

export type Env = Record<string, string | undefined>;

export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  // Empty strings mean "unset", as they do in compose files and shell exports.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  // Messages written into the schemas win; this map words only zod's defaults.
  const result = schema.safeParse(cleaned, { error: plainIssueMessage });
  if (result.success) return result.data;
  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const variable = issue.path.map(String).join('.') || 'environment';
    // The first problem of a variable is the one to fix; later ones often follow from it.
    if (!problems.has(variable)) problems.set(variable, issue.message);
  }
  throw configErrorOf([...problems].map(([variable, message]) => ({ variable, message })));
}

/** What a kind of value is called in an environment variable (always text, read as this). */
const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a comma-separated list',
  set: 'a comma-separated list',
  string: 'text',
  object: 'a set of settings',
};

/**
 * zod's default messages ("Invalid input: expected array, received string", "Too small: expected
 * string to have >=1 characters") in the words an operator reads in a start-up error.
 */
function plainIssueMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${EXPECTED[issue.expected] ?? 'a value of another kind'}`;
    case 'too_small':
      return issue.origin === 'string'
        ? Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`
        : issue.origin === 'array' || issue.origin === 'set'
          ? `must list at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`
          : `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array' || issue.origin === 'set'
          ? `must list at most ${issue.maximum} items`
          : `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'must be a URL such as http://host:port';
      if (issue.format === 'email') return 'must be an email address';
      if (issue.format === 'regex') return 'is not in the expected form';
      return `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `has unknown setting${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'is not in any of the accepted forms';
    default:
      return 'is not valid';
  }
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
  /** Whole milliseconds in [min, max], for waits shorter than a second. */
  milliseconds: (fallback: number, { min, max }: { min: number; max: number }) =>
    decimal('must be a whole number of milliseconds')
      .pipe(z.number().min(min, `must be at least ${min} ms`).max(max, `must be at most ${max} ms`))
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
