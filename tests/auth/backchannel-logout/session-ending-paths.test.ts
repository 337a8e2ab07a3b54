import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { appLogout, signInToApp, type AppSignIn } from '../../e2e/support/app-sign-in.js';
import { postForm } from '../support/oauth-client.js';
import { PASSWORD, post, request, type TokenPairBody } from '../support/http-client.js';
import { mailsTo } from '../accounts/account-harness.js';
import { ADMIN_TOKEN, backchannelAuthPerTest, newUser, registerApp, type BackchannelAuth } from './backchannel-harness.js';

const auth = backchannelAuthPerTest();

interface Signed {
  service: BackchannelAuth;
  userId: string;
  email: string;
  app: AppSignIn;
  /** The `sid` of the app's ID token. */
  sid: string;
}

/** A first-party token of the user: the account API's caller. */
async function firstParty({ service }: Signed): Promise<TokenPairBody> {
  const res = await post<TokenPairBody>(service.url, '/auth/login', { username: 'lin', password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body;
}

const admin = (s: Signed, method: string, path: string) => request(s.service.url, method, path, { token: ADMIN_TOKEN });

/** Every door through which a login session ends; each must reach the app. */
const PATHS: Array<{ name: string; end: (s: Signed) => Promise<number> }> = [
  { name: 'RP-initiated logout (GET /oauth/logout with id_token_hint)', end: async (s) => (await appLogout(s.service.url, 'notes', s.app)).status },
  { name: 'API logout with the app\'s access token (POST /auth/logout)', end: async (s) => (await post(s.service.url, '/auth/logout', {}, s.app.tokens.access_token)).status },
  {
    name: 'the app revokes its refresh token (RFC 7009)',
    end: async (s) => (await postForm(s.service.url, '/oauth/revoke', { token: s.app.tokens.refresh_token, client_id: 'notes' })).status,
  },
  {
    name: 'password reset (POST /auth/password/reset)',
    end: async (s) => {
      expect((await post(s.service.url, '/auth/password/forgot', { login: s.email })).status).toBe(202);
      const reset = (await mailsTo(s.service.dataDir, s.email, 2)).find((mail) => mail.link.includes('reset-password'))!;
      return (await post(s.service.url, '/auth/password/reset', { token: reset.token, password: 'a brand new passphrase here' })).status;
    },
  },
  {
    name: 'password change ends every other session (POST /auth/password/change)',
    end: async (s) => (await post(s.service.url, '/auth/password/change', { current_password: PASSWORD, new_password: 'another new passphrase here' }, (await firstParty(s)).access_token)).status,
  },
  { name: 'the user removes the session from their list (DELETE /auth/sessions/:sid)', end: async (s) => (await request(s.service.url, 'DELETE', `/auth/sessions/${s.sid}`, { token: (await firstParty(s)).access_token })).status },
  {
    name: 'the user deletes their account (DELETE /auth/account)',
    end: async (s) => (await request(s.service.url, 'DELETE', '/auth/account', { token: (await firstParty(s)).access_token, json: { password: PASSWORD } })).status,
  },
  { name: 'an operator locks the account (POST /admin/users/:id/lock)', end: async (s) => (await admin(s, 'POST', `/admin/users/${s.userId}/lock`)).status },
  { name: 'an operator deletes the user (DELETE /admin/users/:id)', end: async (s) => (await admin(s, 'DELETE', `/admin/users/${s.userId}`)).status },
  { name: 'an operator ends all sessions (DELETE /admin/users/:id/sessions)', end: async (s) => (await admin(s, 'DELETE', `/admin/users/${s.userId}/sessions`)).status },
  { name: 'an operator ends one session (DELETE /admin/users/:id/sessions/:sid)', end: async (s) => (await admin(s, 'DELETE', `/admin/users/${s.userId}/sessions/${s.sid}`)).status },
];

describe('every way a session ends reaches the app by back-channel logout', () => {
  it.each(PATHS)('when the session ends by $name, then the app gets a logout token naming the session', async ({ end }) => {
    const service = await auth();
    await registerApp(service, 'notes');
    const email = 'lin@example.test';
    const userId = await newUser(service, 'lin', email);
    const [verification] = await mailsTo(service.dataDir, email);
    expect((await post(service.url, '/auth/email/verify', { token: verification!.token })).status).toBe(204);
    const app = await signInToApp(service.url, 'notes', 'lin', PASSWORD);
    const sid = String(decodeJwt(app.tokens.id_token).sid);

    const status = await end({ service, userId, email, app, sid });
    expect(status).toBeLessThan(400);

    const [received] = await service.receiver.waitFor('notes');
    expect(received!.claims).toMatchObject({ sub: userId, sid, aud: 'notes' });
  });
});
