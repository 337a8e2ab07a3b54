import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { loadAuthConfig } from '../../services/auth/config.js';

describe('auth configuration', () => {
  it('when nothing is set, then the contract defaults apply', () => {
    expect(loadAuthConfig({})).toEqual({
      AUTH_PORT: 4000,
      HOST: '127.0.0.1',
      AUTH_ISSUER: 'http://localhost:4000',
      AUTH_AUDIENCE: 'api',
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 1_209_600,
      REFRESH_REUSE_GRACE_SECONDS: 5,
      KEY_PUBLISH_DELAY_SECONDS: 300,
      KEY_FILE_POLL_SECONDS: 10,
      LOG_LEVEL: 'info',
      AUTH_DATA_DIR: '.data',
      AUTH_SIGNING_KEY_FILE: '.data/signing-keys.json',
      REDIS_KEY_PREFIX: 'authgate:',
      REDIS_WAIT_REPLICAS: 0,
      REDIS_WAIT_TIMEOUT_MS: 300,
      redis: undefined,
      LOGIN_MAX_FAILURES: 10,
      LOGIN_MAX_FAILURES_PER_IP: 100,
      LOGIN_FAILURE_WINDOW: 900,
      REGISTRATION_MAX_PER_IP: 20,
      DEFAULT_USER_SCOPES: 'notes:read notes:write reports:read',
      FIRST_PARTY_CLIENT_ID: 'first-party',
      COOKIE_SECURE: true,
      ALLOWED_ORIGINS: new Set(['http://localhost:8080', 'http://127.0.0.1:8080']),
      TRUSTED_PROXIES: { list: '', trust: expect.any(Function) },
      MAIL_FROM: 'authgate <no-reply@localhost>',
      AUTH_PUBLIC_URL: 'http://localhost:4000',
      PASSWORD_RESET_TTL: 1800,
      INVITATION_TTL: 604_800,
      BACKCHANNEL_LOGOUT_TIMEOUT: 5,
      EMAIL_VERIFICATION_TTL: 86400,
      EMAIL_VERIFICATION_REQUIRED: false,
      PASSWORD_RESET_MAX_PER_ACCOUNT: 5,
      PASSWORD_RESET_MAX_PER_IP: 20,
      AUTH_IDENTITY_PROVIDER_TIMEOUT_SECONDS: 10,
      AUDIT_RECENT_EVENTS: 500,
      webauthn: { rpId: 'localhost', origins: ['http://localhost:4000', 'http://localhost:8080', 'http://127.0.0.1:8080'] },
    });
  });

  it('when WEBAUTHN_* are unset, then the RP ID is the public host and the origins are its origin plus ALLOWED_ORIGINS; set, they win', () => {
    expect(loadAuthConfig({ AUTH_PUBLIC_URL: 'https://id.example.com/auth', ALLOWED_ORIGINS: 'https://app.example.com' }).webauthn).toEqual({
      rpId: 'id.example.com',
      origins: ['https://id.example.com', 'https://app.example.com'],
    });
    expect(loadAuthConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://id.example.com, https://www.example.com' }).webauthn).toEqual({
      rpId: 'example.com',
      origins: ['https://id.example.com', 'https://www.example.com'],
    });
  });

  it.each([['WEBAUTHN_RP_ID', 'https://example.com'], ['WEBAUTHN_RP_ID', 'example.com:443'], ['WEBAUTHN_RP_ID', 'Example.com'], ['WEBAUTHN_ORIGINS', 'not an origin'], ['WEBAUTHN_ORIGINS', 'https://example.com/path']])(
    'when %s=%s, then the start stops with a line naming it',
    (name, value) => {
      expect(() => loadAuthConfig({ [name]: value })).toThrow(name);
    },
  );

  it('when the data dir moves, then the default key file moves with it; an explicit one wins', () => {
    expect(loadAuthConfig({ AUTH_DATA_DIR: '/var/lib/auth' }).AUTH_SIGNING_KEY_FILE).toBe('/var/lib/auth/signing-keys.json');
    expect(loadAuthConfig({ AUTH_SIGNING_KEY_FILE: '/etc/auth-keys/keys.json' }).AUTH_SIGNING_KEY_FILE).toBe('/etc/auth-keys/keys.json');
  });

  it('when the issuer has a trailing slash, then it is dropped (issuers compare byte for byte)', () => {
    expect(loadAuthConfig({ AUTH_ISSUER: 'https://auth.example.com/' }).AUTH_ISSUER).toBe('https://auth.example.com');
  });

  it.each([
    ['AUTH_PORT', '99999'],
    ['AUTH_ISSUER', 'not a url'],
    ['AUTH_PORT', '0x10'],
    ['AUTH_PORT', '4e3'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['ACCESS_TOKEN_TTL', '1e9'],
    ['ACCESS_TOKEN_TTL', '0x10'],
    ['ACCESS_TOKEN_TTL', '86401'],
    ['REFRESH_TOKEN_TTL', '31536001'],
    ['REFRESH_TOKEN_TTL', '1e7'],
    ['REFRESH_REUSE_GRACE_SECONDS', '0x1'],
    ['KEY_PUBLISH_DELAY_SECONDS', '1e2'],
    ['LOGIN_FAILURE_WINDOW', '86401'],
    ['LOGIN_FAILURE_WINDOW', '0x10'],
    ['REFRESH_TOKEN_TTL', 'soon'],
    ['REFRESH_REUSE_GRACE_SECONDS', '-1'],
    ['KEY_PUBLISH_DELAY_SECONDS', '-5'],
    ['KEY_FILE_POLL_SECONDS', '0'],
    ['AUTH_ADMIN_TOKEN', 'short-secret'],
    ['LOG_LEVEL', 'chatty'],
    ['MONGODB_URI', 'http://mongo:27017'],
    ['REDIS_URL', 'localhost:6379'],
    ['LOGIN_MAX_FAILURES', '0'],
    ['LOGIN_FAILURE_WINDOW', '1.5'],
    ['DEFAULT_USER_SCOPES', 'notes:read  "bad"'],
    ['FIRST_PARTY_CLIENT_ID', 'has space'],
  ])('when %s=%s, then one line names the variable and not the value', (variable, value) => {
    let error: unknown;
    try {
      loadAuthConfig({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
    expect((error as ConfigError).message).not.toContain(value);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it.each([
    ['ACCESS_TOKEN_TTL', '86401', 'must be at most 86400 seconds'],
    ['REFRESH_TOKEN_TTL', '31536001', 'must be at most 31536000 seconds'],
    ['LOGIN_FAILURE_WINDOW', '86401', 'must be at most 86400 seconds'],
    ['ACCESS_TOKEN_TTL', '1e9', 'must be a whole number of seconds'],
  ])('when %s=%s, then the message states the bound', (variable, value, bound) => {
    expect(() => loadAuthConfig({ [variable]: value })).toThrow(`invalid configuration: ${variable}: ${bound}`);
  });

  it('when the seconds values sit exactly on their bounds, then they are accepted', () => {
    expect(loadAuthConfig({ ACCESS_TOKEN_TTL: '86400', REFRESH_TOKEN_TTL: '31536000', LOGIN_FAILURE_WINDOW: '86400' })).toMatchObject({
      ACCESS_TOKEN_TTL: 86_400,
      REFRESH_TOKEN_TTL: 31_536_000,
      LOGIN_FAILURE_WINDOW: 86_400,
    });
  });
});
