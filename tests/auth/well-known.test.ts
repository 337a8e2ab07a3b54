import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('discovery and JWKS', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth({ env: { AUTH_ISSUER: 'https://auth.example.test/' } });
  });
  afterAll(() => auth?.stop());

  it.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])(
    'when %s is fetched, then every contract field is there and points at the issuer',
    async (path) => {
      const res = await get(auth.url, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
      expect(res.body).toMatchObject({
        issuer: 'https://auth.example.test',
        jwks_uri: 'https://auth.example.test/.well-known/jwks.json',
        token_endpoint: 'https://auth.example.test/oauth/token',
        introspection_endpoint: 'https://auth.example.test/oauth/introspect',
        revocation_endpoint: 'https://auth.example.test/oauth/revoke',
        scopes_supported: ['openid', 'profile', 'email', 'notes:read', 'notes:write', 'reports:read'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        authorization_endpoint: 'https://auth.example.test/oauth/authorize',
        userinfo_endpoint: 'https://auth.example.test/oauth/userinfo',
        end_session_endpoint: 'https://auth.example.test/oauth/logout',
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        // RFC 9470 step-up: an app asks for the second factor with acr_values.
        acr_values_supported: ['urn:authgate:acr:pwd', 'urn:authgate:acr:mfa'],
      });
      // Nothing it does not serve: no registration without the admin token, no implicit or hybrid flows.
      expect(res.body).not.toHaveProperty('registration_endpoint');
      expect(res.body).not.toHaveProperty('pushed_authorization_request_endpoint');
      expect(res.body).not.toHaveProperty('request_parameter_supported');
      for (const list of ['grant_types_supported', 'token_endpoint_auth_methods_supported', 'response_types_supported']) {
        expect(Array.isArray(res.body[list])).toBe(true);
      }
    },
  );

  it('when the JWKS is fetched, then it holds the RS256 signing key with public members only', async () => {
    const res = await get(auth.url, '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/(jwk-set\+)?json/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: auth.keys.currentSigningKey().kid });
    expect(Buffer.from(key.n, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    for (const member of PRIVATE_MEMBERS) expect(JSON.stringify(res.body)).not.toContain(`"${member}":`);
  });
});
