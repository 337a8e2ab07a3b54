import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { allowInsecureRequests, discovery, genericGrantRequest, ResponseBodyError } from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../lib/verifier/index.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from './support/auth-harness.js';
import { post, registerAndLogin } from './support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

describe('token exchange (RFC 8693) on behalf of a user', () => {
  let auth: IssuerTestAuth;
  const secret = newSecret();

  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuthAsIssuer({ clients });
    await addSecretClient(clients, 'reports', secret, { scopes: ['notes:read'], tokenExchange: { audiences: ['api', 'billing'], scopes: ['notes:read', 'billing:read'] } });
    await addSecretClient(clients, 'second-hop', secret, { scopes: ['notes:read'], tokenExchange: { audiences: ['api'], scopes: ['notes:read'] } });
    await addSecretClient(clients, 'plain', secret, { scopes: ['notes:read'] });
  });
  afterAll(() => auth?.stop());

  const exchange = (clientId: string, params: Record<string, string>, presented = secret) =>
    postForm(auth.url, '/oauth/token', { grant_type: EXCHANGE, ...params }, { authorization: basic(clientId, presented) });
  const ofUser = (token: string, extra: Record<string, string> = {}) => ({ subject_token: token, subject_token_type: ACCESS, ...extra });

  it('when openid-client exchanges a user token, then the new token is the user acting through the client, never wider or longer-lived than the subject token', async () => {
    const user = await registerAndLogin(auth.url, 'exchange-user');
    const subject = decodeJwt(user.access_token);
    const config = await discovery(new URL(auth.issuer), 'reports', secret, undefined, { execute: [allowInsecureRequests] });
    expect(config.serverMetadata().grant_types_supported).toContain(EXCHANGE);

    const response = await genericGrantRequest(config, EXCHANGE, ofUser(user.access_token, { audience: 'api' }));
    expect(response).toMatchObject({ issued_token_type: ACCESS, token_type: 'bearer', scope: 'notes:read' });
    const { payload } = await jwtVerify(response.access_token, createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!)), { issuer: auth.issuer, audience: 'api', typ: 'at+jwt', algorithms: ['RS256'] });
    expect(payload).toMatchObject({ sub: user.id, client_id: 'reports', act: { sub: 'reports' }, scope: 'notes:read', username: 'exchange-user', sid: subject.sid });
    expect(payload.exp).toBeLessThanOrEqual(subject.exp!);
    expect(payload.jti).not.toBe(subject.jti);
  });

  it('when an exchanged token is exchanged again, then act nests (innermost last in VerifiedToken.actor), and the verifier exposes the chain', async () => {
    const user = await registerAndLogin(auth.url, 'exchange-nested');
    const first = await exchange('reports', ofUser(user.access_token));
    expect(first.status).toBe(200);
    const second = await exchange('second-hop', ofUser(first.body.access_token));
    expect(second.status).toBe(200);
    expect(decodeJwt(second.body.access_token)).toMatchObject({ sub: user.id, client_id: 'second-hop', act: { sub: 'second-hop', act: { sub: 'reports' } } });

    const verifier = createVerifier({ issuer: auth.issuer, audience: 'api', jwksUri: `${auth.issuer}/.well-known/jwks.json` });
    try {
      expect((await verifier.verify(second.body.access_token)).actor).toEqual(['second-hop', 'reports']);
      expect((await verifier.verify(first.body.access_token)).actor).toEqual(['reports']);
      expect((await verifier.verify(user.access_token)).actor).toEqual([]);
    } finally {
      verifier.close();
    }
  });

  it('when the subject token has little life left, then the exchanged token expires with it', async () => {
    const user = await registerAndLogin(auth.url, 'exchange-short');
    auth.clock.advance(800_000);
    try {
      const res = await exchange('reports', ofUser(user.access_token));
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).exp).toBe(decodeJwt(user.access_token).exp);
      expect(res.body.expires_in).toBeLessThanOrEqual(100);
    } finally {
      auth.clock.advance(-800_000);
    }
  });

  it('when the user logs out, then the exchanged token shares its session and is inactive too', async () => {
    const user = await registerAndLogin(auth.url, 'exchange-logout');
    const exchanged = await exchange('reports', ofUser(user.access_token));
    const introspect = () => postForm(auth.url, '/oauth/introspect', { token: exchanged.body.access_token }, { authorization: basic('plain', secret) });
    expect((await introspect()).body).toMatchObject({ active: true, sid: decodeJwt(user.access_token).sid });
    expect((await post(auth.url, '/auth/logout', {}, user.access_token)).status).toBe(204);
    expect((await introspect()).body).toEqual({ active: false });
  });

  describe('bad exchanges get the RFC 6749 / 8693 error each deserves', () => {
    let userToken: string;
    let otherUserToken: string;
    let refreshToken: string;
    let revokedToken: string;
    let clientToken: string;
    let foreignToken: string;

    beforeAll(async () => {
      const user = await registerAndLogin(auth.url, 'exchange-table');
      userToken = user.access_token;
      refreshToken = user.refresh_token;
      otherUserToken = (await registerAndLogin(auth.url, 'exchange-table-other')).access_token;
      const revoked = await registerAndLogin(auth.url, 'exchange-table-revoked');
      await post(auth.url, '/auth/logout', {}, revoked.access_token);
      revokedToken = revoked.access_token;
      clientToken = (await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('reports', secret) })).body.access_token;
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      foreignToken = await new SignJWT({ ...decodeJwt(userToken), jti: randomUUID() }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: decodeJwt(userToken).jti as string }).sign(privateKey);
    });

    const rows: Array<{ label: string; client?: string; params: () => Record<string, string>; status: number; error: string; presented?: string }> = [
      { label: 'a client without a token_exchange allowance', client: 'plain', params: () => ofUser(userToken), status: 400, error: 'unauthorized_client' },
      { label: 'a wrong client secret', params: () => ofUser(userToken), presented: 'wrong-secret', status: 401, error: 'invalid_client' },
      { label: 'no subject_token', params: () => ({ subject_token_type: ACCESS }), status: 400, error: 'invalid_request' },
      { label: 'no subject_token_type', params: () => ({ subject_token: userToken }), status: 400, error: 'invalid_request' },
      { label: 'an unknown subject_token_type', params: () => ({ subject_token: userToken, subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }), status: 400, error: 'invalid_request' },
      { label: 'a refresh token as the subject (typed as one)', params: () => ({ subject_token: refreshToken, subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }), status: 400, error: 'invalid_request' },
      { label: 'a refresh token as the subject (typed as an access token)', params: () => ofUser(refreshToken), status: 400, error: 'invalid_request' },
      { label: 'a revoked (logged out) subject token', params: () => ofUser(revokedToken), status: 400, error: 'invalid_request' },
      { label: 'a token signed by another issuer', params: () => ofUser(foreignToken), status: 400, error: 'invalid_request' },
      { label: 'garbage as the subject token', params: () => ofUser('not-a-token'), status: 400, error: 'invalid_request' },
      { label: "a client's own client-credentials token as the subject", params: () => ofUser(clientToken), status: 400, error: 'invalid_request' },
      { label: 'an audience outside the allowance', params: () => ofUser(userToken, { audience: 'payroll' }), status: 400, error: 'invalid_target' },
      { label: 'a scope the subject token does not hold', params: () => ofUser(userToken, { scope: 'billing:read' }), status: 400, error: 'invalid_scope' },
      { label: 'a scope the subject holds but the allowance does not grant', params: () => ofUser(userToken, { scope: 'notes:write' }), status: 400, error: 'invalid_scope' },
      { label: 'an unsupported requested_token_type', params: () => ofUser(userToken, { requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }), status: 400, error: 'invalid_request' },
      { label: "an actor_token that is another user's", params: () => ofUser(userToken, { actor_token: otherUserToken, actor_token_type: ACCESS }), status: 400, error: 'invalid_request' },
      { label: 'an actor_token without its type', params: () => ofUser(userToken, { actor_token: clientToken }), status: 400, error: 'invalid_request' },
    ];

    it.each(rows)('when the request has $label, then $status $error', async ({ client = 'reports', params, status, error, presented }) => {
      const res = await exchange(client, params(), presented);
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(error);
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('when the actor_token is the client\'s own token, then the exchange succeeds', async () => {
      const res = await exchange('reports', ofUser(userToken, { actor_token: clientToken, actor_token_type: ACCESS }));
      expect(res.status).toBe(200);
    });

    it('when the subject token has expired, then invalid_request', async () => {
      auth.clock.advance(1_000_000);
      try {
        const res = await exchange('reports', ofUser(userToken));
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
      } finally {
        auth.clock.advance(-1_000_000);
      }
    });

    it('when openid-client meets a refusal, then it surfaces the RFC 6749 error', async () => {
      const config = await discovery(new URL(auth.issuer), 'reports', secret, undefined, { execute: [allowInsecureRequests] });
      const refused = await genericGrantRequest(config, EXCHANGE, ofUser(userToken, { audience: 'payroll' })).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ResponseBodyError);
      expect((refused as ResponseBodyError).error).toBe('invalid_target');
    });
  });
});
