import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { ACR_MFA, ACR_PWD, acrOf, authenticationClaims, decodeAuthentication, encodeAuthentication, passwordAuthentication, withSecondFactor } from '../../../services/auth/domain/mfa/authentication.js';
import { checkAccessTokenClaims } from '../../../lib/verifier/claims.js';
import { post, registerAndLogin } from '../support/http-client.js';
import { startTestAuth, type TestAuth } from '../support/auth-harness.js';
import { addSecretClient, basic, newSecret, postForm } from '../support/oauth-client.js';

describe('how a sign-in maps to auth_time, amr and acr', () => {
  it('when only a password was used, then amr is pwd and acr is the password level', () => {
    const password = passwordAuthentication(1_733_540_000_123);
    expect(authenticationClaims(password)).toEqual({ auth_time: 1_733_540_000, amr: ['pwd'], acr: ACR_PWD });
  });

  it('when a second factor completes it, then amr adds the method and mfa, timed at the second step, and acr is mfa', () => {
    const done = withSecondFactor(passwordAuthentication(1_000_000), ['otp'], 1_030_000);
    expect(done).toEqual({ time: 1_030_000, amr: ['pwd', 'otp', 'mfa'] });
    expect(acrOf(done)).toBe(ACR_MFA);
  });

  it('when stored and read back, then it is the same; anything else reads as none', () => {
    const done = withSecondFactor(passwordAuthentication(5), ['hwk'], 9);
    expect(decodeAuthentication(encodeAuthentication(done))).toEqual(done);
    for (const bad of ['', '12', 'x pwd', '12 pwd sms', null, undefined]) expect(decodeAuthentication(bad)).toBeNull();
  });
});

describe('the verifier exposes the sign-in claims', () => {
  const policy = { issuer: 'https://id.example', audience: 'api', clockToleranceSeconds: 0, enforceExpiry: true };
  const now = 1_800_000_000;
  const base = { iss: 'https://id.example', aud: 'api', sub: 'u1', client_id: 'c', jti: 'j', iat: now, exp: now + 60 };

  it('when a token carries auth_time, amr and acr, then the verified identity has them', () => {
    const verified = checkAccessTokenClaims({ ...base, auth_time: now - 30, amr: ['pwd', 'otp', 'mfa'], acr: ACR_MFA }, 't', policy, now);
    expect(verified).toMatchObject({ authTime: now - 30, amr: ['pwd', 'otp', 'mfa'], acr: ACR_MFA });
  });

  it('when a token carries none, then amr is empty and the others are absent', () => {
    const verified = checkAccessTokenClaims(base, 't', policy, now);
    expect(verified.amr).toEqual([]);
    expect(verified.authTime).toBeUndefined();
    expect(verified.acr).toBeUndefined();
  });

  it.each([
    ['auth_time as a string', { auth_time: '1' }],
    ['amr as a string', { amr: 'pwd' }],
    ['amr with a number', { amr: ['pwd', 1] }],
    ['acr empty', { acr: '' }],
  ])('when a token has %s, then it is refused as TOKEN_CLAIMS_INVALID', (_name, extra) => {
    expect(() => checkAccessTokenClaims({ ...base, ...extra }, 't', policy, now)).toThrow(expect.objectContaining({ code: 'TOKEN_CLAIMS_INVALID' }));
  });
});

describe('tokens say how the user signed in, and refreshes never change it', () => {
  let auth: TestAuth;
  const secret = newSecret();
  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuth({ clients });
    await addSecretClient(clients, 'resource-server', secret);
  });
  afterAll(async () => {
    await auth?.stop();
  });

  it('when a password user logs in and refreshes minutes later, then auth_time stays the login time in access tokens and introspection', async () => {
    const login = await registerAndLogin(auth.url, 'claims-user');
    const first = decodeJwt(login.access_token);
    expect(first).toMatchObject({ amr: ['pwd'], acr: ACR_PWD });
    expect(first.auth_time).toBe(first.iat);

    auth.clock.advance(10 * 60_000);
    const refreshed = await post(auth.url, '/auth/refresh', { refresh_token: login.refresh_token });
    expect(refreshed.status).toBe(200);
    const second = decodeJwt(refreshed.body.access_token as string);
    expect(second.iat).toBeGreaterThanOrEqual(first.iat! + 600);
    expect(second).toMatchObject({ auth_time: first.auth_time, amr: ['pwd'], acr: ACR_PWD });

    const introspected = await postForm(auth.url, '/oauth/introspect', { token: refreshed.body.access_token as string }, { authorization: basic('resource-server', secret) });
    expect(introspected.body).toMatchObject({ active: true, auth_time: first.auth_time, amr: ['pwd'], acr: ACR_PWD });
    const refreshIntrospected = await postForm(auth.url, '/oauth/introspect', { token: refreshed.body.refresh_token as string }, { authorization: basic('resource-server', secret) });
    expect(refreshIntrospected.body).toMatchObject({ active: true, auth_time: first.auth_time, amr: ['pwd'], acr: ACR_PWD });
  });
});
