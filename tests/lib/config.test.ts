import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envField, loadConfig } from '../../lib/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';

/** The ConfigError a load throws (the test fails when it does not throw one). */
function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const schema = z.object({
  PORT: envField.port(4000),
  TTL: envField.seconds(900, { max: 86_400 }),
  LOG_LEVEL: envField.logLevel(),
  SECURE: envField.boolean(true),
});

describe('loadConfig', () => {
  it('when nothing is set, then defaults apply', () => {
    expect(loadConfig(schema, {})).toEqual({ PORT: 4000, TTL: 900, LOG_LEVEL: 'info', SECURE: true });
  });

  it('when values are set, then they are coerced', () => {
    expect(loadConfig(schema, { PORT: '0', TTL: '60', LOG_LEVEL: 'debug', SECURE: 'false' })).toEqual({
      PORT: 0,
      TTL: 60,
      LOG_LEVEL: 'debug',
      SECURE: false,
    });
  });

  it('when a value is empty, then it counts as unset', () => {
    expect(loadConfig(schema, { PORT: '' }).PORT).toBe(4000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '0x10'],
    ['PORT', '1e3'],
    ['PORT', ' 80'],
    ['PORT', '-1'],
    ['TTL', '-5'],
    ['TTL', '1.5'],
    ['TTL', '0'],
    ['TTL', '1e9'],
    ['TTL', '0x10'],
    ['TTL', '0b11'],
    ['TTL', '86401'],
    ['TTL', '99999999999999999999999'],
    ['LOG_LEVEL', 'loud'],
    ['SECURE', 'maybe'],
  ])('when %s=%s, then the error names the variable and not the value', (variable, value) => {
    const attempt = () => loadConfig(schema, { [variable]: value });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as ConfigError).message).toContain(variable);
      expect((err as ConfigError).message).not.toContain(value);
      expect((err as ConfigError).message.split('\n')).toHaveLength(1);
    }
  });

  it('when a seconds value is above its bound, then the message names the variable and the bound', () => {
    expect(() => loadConfig(schema, { TTL: '86401' })).toThrow('invalid configuration: TTL: must be at most 86400 seconds');
    expect(loadConfig(schema, { TTL: '86400' }).TTL).toBe(86_400);
  });

  it('when a seconds value is not plain decimal digits, then it is refused rather than coerced', () => {
    expect(() => loadConfig(schema, { TTL: '1e3' })).toThrow('invalid configuration: TTL: must be a whole number of seconds');
    expect(() => loadConfig(schema, { PORT: '0x50' })).toThrow('invalid configuration: PORT: must be a TCP port number');
    expect(loadConfig(schema, { TTL: '0900', PORT: '08080' })).toMatchObject({ TTL: 900, PORT: 8080 });
  });

  it('when several variables are wrong, then every one is reported, each on its own line naming the variable and never its value', () => {
    const error = configErrorOf(() => loadConfig(schema, { PORT: 'eighty', TTL: '0', LOG_LEVEL: 'loud', SECURE: 'maybe' }));
    expect(error.problems).toEqual([
      { variable: 'PORT', message: 'must be a TCP port number' },
      { variable: 'TTL', message: 'must be a positive number of seconds' },
      { variable: 'LOG_LEVEL', message: 'must be one of fatal, error, warn, info, debug, trace, silent' },
      { variable: 'SECURE', message: 'must be true or false' },
    ]);
    expect(error.variable).toBe('PORT');
    expect(error.message.split('\n')).toEqual([
      'invalid configuration: 4 problems',
      '  PORT: must be a TCP port number',
      '  TTL: must be a positive number of seconds',
      '  LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      '  SECURE: must be true or false',
    ]);
    for (const value of ['eighty', 'loud', 'maybe']) expect(error.message).not.toContain(value);
  });

  it('when a process environment is wrong in several places, then its loader lists them all', () => {
    const error = configErrorOf(() => loadGatewayConfig({ GATEWAY_PORT: '99999', AUTH_ISSUER: 'not a url', LOG_LEVEL: 'chatty' }));
    expect(error.problems.map((p) => p.variable)).toEqual(['GATEWAY_PORT', 'AUTH_ISSUER', 'LOG_LEVEL']);
    expect(error.message).toContain('AUTH_ISSUER: must be a URL such as http://host:port');
  });

  // Schemas built without a message of their own: zod's default wording must not reach the operator.
  const bare = z.object({
    LIST: z.array(z.string()),
    REQUIRED: z.string(),
    NAME: z.string().min(3),
    SHORT: z.string().max(4),
    MODE: z.enum(['fast', 'safe']),
    HOME_URL: z.url(),
    CODE: z.string().regex(/^[A-Z]+$/),
    COUNT: z.coerce.number().int().min(2),
  });

  it.each([
    ['LIST', { LIST: 'a,b' }, 'must be a comma-separated list'],
    ['REQUIRED', { REQUIRED: undefined }, 'is required'],
    ['NAME', { NAME: 'ab' }, 'must be at least 3 characters'],
    ['SHORT', { SHORT: 'toolong' }, 'must be at most 4 characters'],
    ['MODE', { MODE: 'slow' }, 'must be one of fast, safe'],
    ['HOME_URL', { HOME_URL: 'nowhere' }, 'must be a URL such as http://host:port'],
    ['CODE', { CODE: 'abc' }, 'is not in the expected form'],
    ['COUNT', { COUNT: '1' }, 'must be at least 2'],
    ['COUNT', { COUNT: '2.5' }, 'must be a whole number'],
  ] as const)('when %s is wrong against a schema without its own message, then it is said in plain words', (variable, env, message) => {
    const valid = { LIST: undefined, REQUIRED: 'x', NAME: 'abc', SHORT: 'ok', MODE: 'fast', HOME_URL: 'http://a', CODE: 'ABC', COUNT: '3' };
    const error = configErrorOf(() => loadConfig(bare, { ...valid, ...env }));
    const problem = error.problems.find((p) => p.variable === variable);
    expect(problem?.message).toBe(message);
    expect(error.message).not.toMatch(/Invalid|expected .* received|Too (small|big)|>=|<=/);
  });
});
