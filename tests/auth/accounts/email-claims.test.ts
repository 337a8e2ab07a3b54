import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { AppBrowser } from '../../e2e/support/app-browser.js';
import { startTestAuth, type TestAuth } from '../support/auth-harness.js';
import { PASSWORD, get, post } from '../support/http-client.js';
import { postForm } from '../support/oauth-client.js';
import { mailsTo } from './account-harness.js';

const APP = 'claims-app';
const REDIRECT = 'https://app.example.test/callback';

describe('email and email_verified in userinfo and the ID token', () => {
  let auth: TestAuth;
  const clients = new MemoryClientStore();

  beforeAll(async () => {
    auth = await startTestAuth({ clients });
    await clients.create({
      clientId: APP, tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code'], scopes: ['openid', 'email', 'profile'],
      audiences: [], redirectUris: [REDIRECT], firstParty: true,
    });
    expect((await post(auth.url, '/auth/register', { username: 'mira', password: PASSWORD, email: 'mira@example.test' })).status).toBe(201);
  });
  afterAll(async () => {
    await auth?.stop();
  });

  async function tokensFor(scope: string): Promise<{ access_token: string; id_token: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = { client_id: APP, redirect_uri: REDIRECT, response_type: 'code', scope, code_challenge: challenge, code_challenge_method: 'S256', state: 's' };
    const res = await new AppBrowser(auth.url).signIn(new URL(`${auth.url}/oauth/authorize?${new URLSearchParams(params)}`), 'mira', PASSWORD);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const token = await postForm(auth.url, '/oauth/token', { grant_type: 'authorization_code', client_id: APP, redirect_uri: REDIRECT, code, code_verifier: verifier });
    expect(token.status).toBe(200);
    return token.body as { access_token: string; id_token: string };
  }

  it('when scope email is granted, then both carry email and email_verified, false before the link and true after; without it, neither', async () => {
    const before = await tokensFor('openid email');
    expect(decodeJwt(before.id_token)).toMatchObject({ email: 'mira@example.test', email_verified: false });
    expect((await get(auth.url, '/oauth/userinfo', before.access_token)).body).toMatchObject({ email: 'mira@example.test', email_verified: false });

    const [mail] = await mailsTo(auth.dataDir, 'mira@example.test');
    expect((await post(auth.url, '/auth/email/verify', { token: mail!.token })).status).toBe(204);
    const after = await tokensFor('openid email');
    expect(decodeJwt(after.id_token)).toMatchObject({ email: 'mira@example.test', email_verified: true });
    expect((await get(auth.url, '/oauth/userinfo', after.access_token)).body).toEqual({ sub: expect.any(String), email: 'mira@example.test', email_verified: true, acr: 'urn:authgate:acr:pwd', amr: ['pwd'], auth_time: expect.any(Number) });

    const without = await tokensFor('openid profile');
    expect(decodeJwt(without.id_token)).not.toHaveProperty('email_verified');
    expect((await get(auth.url, '/oauth/userinfo', without.access_token)).body).toEqual({ sub: expect.any(String), preferred_username: 'mira', acr: 'urn:authgate:acr:pwd', amr: ['pwd'], auth_time: expect.any(Number) });
  });
});
