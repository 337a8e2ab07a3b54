import { createRemoteJWKSet, jwtVerify } from 'jose';
import { allowInsecureRequests, clientCredentialsGrant, discovery, tokenIntrospection, tokenRevocation } from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from './support/auth-harness.js';
import { addSecretClient, newSecret } from './support/oauth-client.js';

describe('a third-party OAuth client library against the auth service', () => {
  let auth: IssuerTestAuth;
  const secret = newSecret();

  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuthAsIssuer({ clients });
    await addSecretClient(clients, 'third-party', secret, { scopes: ['notes:read', 'reports:read'] });
  });
  afterAll(() => auth?.stop());

  it('when openid-client discovers the auth.issuer and runs client_credentials, then jose accepts the token as an RFC 9068 access token', async () => {
    const config = await discovery(new URL(auth.issuer), 'third-party', secret, undefined, { execute: [allowInsecureRequests] });
    expect(config.serverMetadata()).toMatchObject({
      token_endpoint: `${auth.issuer}/oauth/token`,
      introspection_endpoint: `${auth.issuer}/oauth/introspect`,
      revocation_endpoint: `${auth.issuer}/oauth/revoke`,
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
    });
    const tokens = await clientCredentialsGrant(config, { scope: 'notes:read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('notes:read');

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: auth.issuer,
      audience: 'api',
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: 'third-party', client_id: 'third-party', scope: 'notes:read' });
  });

  it('when openid-client introspects and then revokes the token, then it is active, then inactive', async () => {
    const config = await discovery(new URL(auth.issuer), 'third-party', secret, undefined, { execute: [allowInsecureRequests] });
    const { access_token } = await clientCredentialsGrant(config);
    expect((await tokenIntrospection(config, access_token)).active).toBe(true);
    await tokenRevocation(config, access_token);
    expect((await tokenIntrospection(config, access_token)).active).toBe(false);
  });
});
