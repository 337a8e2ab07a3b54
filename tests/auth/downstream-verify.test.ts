import jwt, { type JwtHeader } from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';

/** Exactly what a downstream service would write: jwks-rsa for the key, jsonwebtoken to verify. */
function verifyLikeADownstreamService(token: string, jwksUri: string, issuer: string, audience: string) {
  const client = jwksRsa({ jwksUri, cache: true, rateLimit: true });
  const getKey = (header: JwtHeader, callback: (err: Error | null, key?: string) => void) => {
    client.getSigningKey(header.kid).then(
      (key) => callback(null, key.getPublicKey()),
      (err: Error) => callback(err),
    );
  };
  return new Promise<jwt.Jwt>((resolve, reject) => {
    jwt.verify(token, getKey, { algorithms: ['RS256'], issuer, audience, complete: true }, (err, decoded) =>
      err ? reject(err) : resolve(decoded as jwt.Jwt),
    );
  });
}

describe('a token from /auth/login verified by a generic JWKS client', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth();
  });
  afterAll(() => auth?.stop());

  it('when a downstream service verifies it with jwks-rsa + jsonwebtoken, then it passes with the RFC 9068 shape', async () => {
    const { access_token, id } = await registerAndLogin(auth.url, 'kim');
    const { header, payload } = await verifyLikeADownstreamService(access_token, `${auth.url}/.well-known/jwks.json`, 'http://localhost:4000', 'api');
    expect(header).toEqual({ alg: 'RS256', kid: auth.keys.currentSigningKey().kid, typ: 'at+jwt' });
    const claims = payload as jwt.JwtPayload;
    expect(Object.keys(claims).sort()).toEqual(['acr', 'amr', 'aud', 'auth_time', 'client_id', 'exp', 'iat', 'iss', 'jti', 'roles', 'scope', 'sid', 'sub', 'username'].sort());
    expect(claims).toMatchObject({ iss: 'http://localhost:4000', sub: id, aud: 'api', client_id: 'first-party', scope: 'notes:read notes:write reports:read', roles: ['user'], username: 'kim' });
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('when the token is tampered with, then the downstream service refuses it', async () => {
    const { access_token } = await registerAndLogin(auth.url, 'lee');
    const [h, p, s] = access_token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] })).toString('base64url')}.${s}`;
    await expect(verifyLikeADownstreamService(forged, `${auth.url}/.well-known/jwks.json`, 'http://localhost:4000', 'api')).rejects.toThrow(/signature/);
  });
});
