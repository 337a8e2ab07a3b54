import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envField, loadConfig } from '../../lib/config.js';

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
});
