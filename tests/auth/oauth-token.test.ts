import { createSecretKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { tokenStoreVariants } from './support/token-stores.js';
import { request } from './support/http-client.js';
import {
  JWT_BEARER,
  addSecretClient,
  assertionKey,
  basic,
  newSecret,
  postForm,
  signAssertion,
  unsignedAssertion,
} from './support/oauth-client.js';

/** A secret with every character form-urlencoding changes, to prove §2.3.1 decoding. */
const AWKWARD_SECRET = `pa:ss%20w+rd é/?&=${newSecret()}`;

for (const variant of tokenStoreVariants) describe.runIf(variant.enabled)(`POST /oauth/token on the ${variant.name}`, () => {
  let auth: TestAuth;
  let clients: MemoryClientStore;
  const secret = newSecret();
  let tokenEndpoint: string;
  let rsa: Awaited<ReturnType<typeof assertionKey>>;
  let ps: Awaited<ReturnType<typeof assertionKey>>;
  let es: Awaited<ReturnType<typeof assertionKey>>;
  let stranger: Awaited<ReturnType<typeof assertionKey>>;

  beforeAll(async () => {
    clients = new MemoryClientStore();
    auth = await startTestAuth({ clients, tokens: variant.create });
    tokenEndpoint = `${auth.config.AUTH_ISSUER}/oauth/token`;
    [rsa, ps, es, stranger] = await Promise.all([assertionKey('RS256'), assertionKey('PS256'), assertionKey('ES256'), assertionKey('RS256')]);
    await addSecretClient(clients, 'svc', secret);
    await addSecretClient(clients, 'awkward', AWKWARD_SECRET);
    await addSecretClient(clients, 'multi-aud', secret, { audiences: ['api', 'billing'] });
    await addSecretClient(clients, 'gone', secret);
    await clients.disable('gone');
    for (const [id, key] of [['jwt-rs', rsa], ['jwt-ps', ps], ['jwt-es', es]] as const) {
      await clients.create({ clientId: id, jwks: key.jwks, tokenEndpointAuthMethods: ['private_key_jwt'], scopes: ['notes:read'], audiences: [], grantTypes: ['client_credentials'] });
    }
  });
  afterAll(async () => {
    await auth?.stop();
    await variant.cleanup();
  });

  const token = (form: Record<string, string> | string, headers: Record<string, string> = {}) => postForm(auth.url, '/oauth/token', form, headers);
  const assertionForm = (assertion: string) => ({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion });

  describe('client_credentials', () => {
    it('when a client authenticates with client_secret_basic, then it gets an RFC 9068 token for itself, uncached', async () => {
      const res = await token({ grant_type: 'client_credentials' }, { authorization: basic('svc', secret) });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'notes:read notes:write' });
      expect(res.body.refresh_token).toBeUndefined();
      expect(decodeProtectedHeader(res.body.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: auth.keys.currentSigningKey().kid });
      const claims = decodeJwt(res.body.access_token);
      expect(claims).toMatchObject({ iss: auth.config.AUTH_ISSUER, sub: 'svc', client_id: 'svc', aud: 'api', scope: 'notes:read notes:write' });
      expect(claims.roles).toBeUndefined();
      expect(claims.username).toBeUndefined();
      expect(typeof claims.jti).toBe('string');
    });

    it('when the id and secret carry characters that form-urlencoding changes, then Basic decodes them (RFC 6749 §2.3.1)', async () => {
      const res = await token({ grant_type: 'client_credentials' }, { authorization: basic('awkward', AWKWARD_SECRET) });
      expect(res.status).toBe(200);
    });

    it('when a client authenticates with client_secret_post, then it gets a token', async () => {
      const res = await token({ grant_type: 'client_credentials', client_id: 'svc', client_secret: secret });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).sub).toBe('svc');
    });

    it.each([
      ['RS256', 'jwt-rs'],
      ['PS256', 'jwt-ps'],
      ['ES256', 'jwt-es'],
    ] as const)('when a client sends a %s private_key_jwt assertion, then it gets a token', async (alg, clientId) => {
      const key = { 'jwt-rs': rsa, 'jwt-ps': ps, 'jwt-es': es }[clientId];
      const assertion = await signAssertion(key.privateKey, clientId, tokenEndpoint, { alg, kid: key.kid });
      const res = await token(assertionForm(assertion));
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: clientId, client_id: clientId, scope: 'notes:read' });
    });

    it('when the assertion audience is the issuer rather than the token endpoint, then it is accepted too', async () => {
      const assertion = await signAssertion(rsa.privateKey, 'jwt-rs', auth.config.AUTH_ISSUER, { kid: rsa.kid });
      expect((await token(assertionForm(assertion))).status).toBe(200);
    });

    it('when a subset of the allowed scopes is asked for, then exactly that is granted', async () => {
      const res = await token({ grant_type: 'client_credentials', scope: 'notes:read' }, { authorization: basic('svc', secret) });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('notes:read');
      expect(decodeJwt(res.body.access_token).scope).toBe('notes:read');
    });

    it('when a scope beyond the allowed ones is asked for, then 400 invalid_scope', async () => {
      const res = await token({ grant_type: 'client_credentials', scope: 'notes:read admin' }, { authorization: basic('svc', secret) });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
    });

    it('when an allowed audience is asked for, then the token is for it; without one, for AUTH_AUDIENCE', async () => {
      const billing = await token({ grant_type: 'client_credentials', audience: 'billing' }, { authorization: basic('multi-aud', secret) });
      expect(billing.status).toBe(200);
      expect(decodeJwt(billing.body.access_token).aud).toBe('billing');
      const plain = await token({ grant_type: 'client_credentials' }, { authorization: basic('multi-aud', secret) });
      expect(decodeJwt(plain.body.access_token).aud).toBe('api');
    });

    it('when an audience the client may not have is asked for, then 400 invalid_target and no token', async () => {
      const res = await token({ grant_type: 'client_credentials', audience: 'billing' }, { authorization: basic('svc', secret) });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_target');
      expect(res.body.access_token).toBeUndefined();
    });

    it('when a client is disabled, then its very next token request is invalid_client', async () => {
      await addSecretClient(clients, 'soon-gone', secret);
      expect((await token({ grant_type: 'client_credentials' }, { authorization: basic('soon-gone', secret) })).status).toBe(200);
      await clients.disable('soon-gone');
      const res = await token({ grant_type: 'client_credentials' }, { authorization: basic('soon-gone', secret) });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('when the first-party public client asks for client_credentials, then 400 unauthorized_client', async () => {
      const res = await token({ grant_type: 'client_credentials', client_id: auth.config.FIRST_PARTY_CLIENT_ID });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });
  });

  interface Row {
    name: string;
    send: () => Promise<{ form: Record<string, string> | string; headers?: Record<string, string> }>;
    status: number;
    error: string;
    /** Whether the answer must carry `WWW-Authenticate: Basic realm="auth"`. */
    challenge: boolean;
  }

  const rows: Row[] = [
    { name: 'no grant_type', send: async () => ({ form: {}, headers: { authorization: basic('svc', secret) } }), status: 400, error: 'invalid_request', challenge: false },
    {
      name: 'an unknown grant_type',
      send: async () => ({ form: { grant_type: 'password', username: 'a', password: 'b' }, headers: { authorization: basic('svc', secret) } }),
      status: 400,
      error: 'unsupported_grant_type',
      challenge: false,
    },
    {
      name: 'a JSON body instead of a form',
      send: async () => ({ form: JSON.stringify({ grant_type: 'client_credentials' }), headers: { 'content-type': 'application/json', authorization: basic('svc', secret) } }),
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'the secret in both the header and the body',
      send: async () => ({ form: { grant_type: 'client_credentials', client_id: 'svc', client_secret: secret }, headers: { authorization: basic('svc', secret) } }),
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'a repeated parameter',
      send: async () => ({ form: 'grant_type=client_credentials&grant_type=client_credentials', headers: { authorization: basic('svc', secret) } }),
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    { name: 'a wrong secret over Basic', send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: basic('svc', `${secret}x`) } }), status: 401, error: 'invalid_client', challenge: true },
    {
      name: 'a wrong secret in the body',
      send: async () => ({ form: { grant_type: 'client_credentials', client_id: 'svc', client_secret: `${secret}x` } }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    { name: 'an unknown client over Basic', send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: basic('nobody', secret) } }), status: 401, error: 'invalid_client', challenge: true },
    {
      name: 'an unknown client in the body',
      send: async () => ({ form: { grant_type: 'client_credentials', client_id: 'nobody', client_secret: secret } }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    { name: 'a disabled client', send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: basic('gone', secret) } }), status: 401, error: 'invalid_client', challenge: true },
    { name: 'a Basic header that is not base64', send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: 'Basic !!!notbase64' } }), status: 401, error: 'invalid_client', challenge: true },
    {
      name: 'a Basic header without a colon',
      send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${Buffer.from('svc').toString('base64')}` } }),
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
    {
      name: 'a Basic header with a broken percent escape',
      send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${Buffer.from(`svc:%zz${secret}`).toString('base64')}` } }),
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
    { name: 'a Bearer header instead of Basic', send: async () => ({ form: { grant_type: 'client_credentials' }, headers: { authorization: 'Bearer abc' } }), status: 401, error: 'invalid_client', challenge: true },
    { name: 'no client credentials at all', send: async () => ({ form: { grant_type: 'client_credentials' } }), status: 401, error: 'invalid_client', challenge: true },
    {
      name: 'an assertion with the wrong aud',
      send: async () => ({ form: assertionForm(await signAssertion(rsa.privateKey, 'jwt-rs', 'https://elsewhere.example/token', { kid: rsa.kid })) }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'an expired assertion',
      send: async () => ({ form: assertionForm(await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid, expiresIn: -120 })) }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'an assertion expiring more than an hour ahead',
      send: async () => ({ form: assertionForm(await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid, expiresIn: 3700 })) }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'an assertion without exp',
      send: async () => ({ form: assertionForm(await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid, noExp: true })) }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'a replayed assertion jti',
      send: async () => {
        const assertion = await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid });
        const first = await token(assertionForm(assertion));
        if (first.status !== 200) throw new Error(`first use should pass, got ${first.status}`);
        return { form: assertionForm(assertion) };
      },
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'an assertion signed with a key the client did not register',
      send: async () => ({ form: assertionForm(await signAssertion(stranger.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid })) }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    { name: 'an alg none assertion', send: async () => ({ form: assertionForm(unsignedAssertion('jwt-rs', tokenEndpoint)) }), status: 401, error: 'invalid_client', challenge: false },
    {
      name: 'an HS256 assertion',
      send: async () => {
        const now = Math.floor(Date.now() / 1000);
        const hs = await new SignJWT({ jti: crypto.randomUUID() })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('jwt-rs')
          .setSubject('jwt-rs')
          .setAudience(tokenEndpoint)
          .setExpirationTime(now + 60)
          .sign(createSecretKey(Buffer.from(rsa.kid.padEnd(32, 'x'))));
        return { form: assertionForm(hs) };
      },
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'an assertion whose iss differs from sub',
      send: async () => ({ form: assertionForm(await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid, iss: 'svc' })) }),
      status: 401,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'a client_assertion_type other than jwt-bearer',
      send: async () => ({
        form: { grant_type: 'client_credentials', client_assertion_type: 'urn:example:saml', client_assertion: await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid }) },
      }),
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'an assertion and a secret together',
      send: async () => ({
        form: { ...assertionForm(await signAssertion(rsa.privateKey, 'jwt-rs', tokenEndpoint, { kid: rsa.kid })), client_secret: secret },
      }),
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
  ];

  it.each(rows)('when the request has $name, then $status $error', async ({ send, status, error, challenge }) => {
    const { form, headers } = await send();
    const res = await token(form, headers);
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.error_description).toBe('string');
    expect(res.body.access_token).toBeUndefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    if (challenge) expect(res.headers.get('www-authenticate')).toBe('Basic realm="auth"');
    else expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('when GET is used on the token endpoint, then it is not served', async () => {
    expect((await request(auth.url, 'GET', '/oauth/token')).status).toBe(404);
  });
});
