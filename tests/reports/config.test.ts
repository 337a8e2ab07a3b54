import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { loadReportsConfig } from '../../services/reports/config.js';

const SECRET = 'r'.repeat(43);

describe('reports configuration', () => {
  it('when only the secret is set, then the contract defaults apply and the token endpoint follows AUTH_URL', () => {
    expect(loadReportsConfig({ REPORTS_CLIENT_SECRET: SECRET })).toMatchObject({
      port: 4002,
      host: '127.0.0.1',
      gatewayUrl: 'http://localhost:8080',
      tokenEndpoint: 'http://localhost:4000/oauth/token',
      clientId: 'reports',
      verifier: { issuer: 'http://localhost:4000', audience: 'api', jwksUri: 'http://localhost:4000/.well-known/jwks.json' },
      logLevel: 'info',
    });
    expect(loadReportsConfig({ REPORTS_CLIENT_SECRET: SECRET, AUTH_URL: 'http://auth:4000' }).tokenEndpoint).toBe('http://auth:4000/oauth/token');
  });

  it.each([
    ['REPORTS_CLIENT_SECRET', undefined],
    ['REPORTS_CLIENT_SECRET', 'too-short'],
    ['REPORTS_PORT', 'x'],
    ['GATEWAY_URL', 'gateway'],
  ])('when %s=%s, then one line names the variable and not the value', (variable, value) => {
    const env: Record<string, string | undefined> = { REPORTS_CLIENT_SECRET: SECRET, [variable]: value };
    const err = (() => {
      try {
        loadReportsConfig(env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    if (value) expect((err as Error).message).not.toContain(value);
    expect((err as Error).message).not.toContain('\n');
  });
});
