import { describe, expect, it } from 'vitest';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { decodeJwt } from 'jose';
import { get, PASSWORD, post, type TokenPairBody } from '../support/http-client.js';
import { loginOptions, passkeyAuthPerTest, passkeyLogin } from './passkey-harness.js';

const auth = passkeyAuthPerTest();

const passwordLogin = (url: string, username: string) => post<{ error: string; mfa_token: string; factors: string[] }>(url, '/auth/login', { username, password: PASSWORD });
const mfaOptions = (url: string, mfaToken: string) => post<PublicKeyCredentialRequestOptionsJSON>(url, '/auth/login/mfa/options', { mfa_token: mfaToken });
const secondStep = (url: string, mfaToken: string, webauthn: unknown) => post<TokenPairBody & { error?: string }>(url, '/auth/login/mfa', { mfa_token: mfaToken, webauthn });

describe('tokens of a passwordless sign-in (RFC 8176)', () => {
  it('when the authenticator verified the user, then amr is hwk user mfa and acr is mfa', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    const login = await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body));
    const claims = decodeJwt(login.body.access_token);
    expect(claims).toMatchObject({ amr: ['hwk', 'user', 'mfa'], acr: 'urn:authgate:acr:mfa', auth_time: expect.any(Number) });
    // A refresh keeps what the sign-in proved.
    const refreshed = await post<TokenPairBody>(service.url, '/auth/refresh', { refresh_token: login.body.refresh_token });
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({ amr: ['hwk', 'user', 'mfa'], acr: 'urn:authgate:acr:mfa', auth_time: claims.auth_time });
  });

  it('when it did not, then amr is hwk alone and acr is pwd (one factor)', async () => {
    const service = await auth();
    const bob = await service.user('bob', { userVerified: false });
    await bob.registerPasskey();
    const login = await passkeyLogin(service.url, bob.authenticator.get((await loginOptions(service.url)).body));
    expect(decodeJwt(login.body.access_token)).toMatchObject({ amr: ['hwk'], acr: 'urn:authgate:acr:pwd' });
  });
});

describe('a passkey as the second factor', () => {
  it('when an account holds a passkey, then the password alone gets mfa_required with webauthn, and the passkey completes it: amr pwd hwk user mfa', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const { id } = await alice.registerPasskey();
    expect((await get(service.url, '/auth/account', alice.token)).body.mfa).toMatchObject({ passkeys: 1 });
    const first = await passwordLogin(service.url, 'alice');
    expect(first.status).toBe(401);
    expect(first.body).toMatchObject({ error: 'mfa_required', factors: ['webauthn'] });
    expect(first.body).not.toHaveProperty('access_token');
    const options = await mfaOptions(service.url, first.body.mfa_token);
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials?.map((c) => c.id)).toEqual([id]);
    const done = await secondStep(service.url, first.body.mfa_token, alice.authenticator.get(options.body));
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.access_token)).toMatchObject({ sub: alice.id, amr: ['pwd', 'hwk', 'user', 'mfa'], acr: 'urn:authgate:acr:mfa' });
    expect(service.sink.audit().find((line) => line.event === 'passkey.signed_in')).toMatchObject({ ceremony: 'mfa', user_id: alice.id });
  });

  it("when the challenge of another pending login, a sign-in challenge, another user's passkey, a replay or a garbage mfa_token is used, then 401 and no tokens", async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const mallory = await service.user('mallory');
    await alice.registerPasskey();
    const mallorysKey = await mallory.registerPasskey();
    const pending = (await passwordLogin(service.url, 'alice')).body.mfa_token;
    const other = (await passwordLogin(service.url, 'alice')).body.mfa_token;

    // Options of one pending login answered for another.
    const foreignOptions = (await mfaOptions(service.url, other)).body;
    expect((await secondStep(service.url, pending, alice.authenticator.get(foreignOptions))).status).toBe(401);
    // A passwordless sign-in's challenge is not a second step's.
    expect((await secondStep(service.url, pending, alice.authenticator.get((await loginOptions(service.url)).body))).status).toBe(401);
    // Mallory's passkey over Alice's challenge.
    const options = (await mfaOptions(service.url, pending)).body;
    expect((await secondStep(service.url, pending, mallory.authenticator.get({ ...options, allowCredentials: [] }, { credentialId: mallorysKey.id }))).status).toBe(401);
    // A right answer, then the same answer again with the other pending login.
    const right = alice.authenticator.get((await mfaOptions(service.url, pending)).body);
    expect((await secondStep(service.url, pending, right)).status).toBe(200);
    expect((await secondStep(service.url, other, right)).status).toBe(401);
    // A spent mfa_token still gets options (it is sealed, not stored) that nothing can complete; garbage gets none.
    expect((await mfaOptions(service.url, pending)).status).toBe(200);
    expect((await mfaOptions(service.url, 'not-an-mfa-token')).status).toBe(401);
    expect((await mfaOptions(service.url, '')).status).toBe(400);
    const reasons = service.sink.audit().filter((line) => line.event === 'passkey.refused').map((line) => line.reason);
    expect(reasons).toEqual(['challenge_other_user', 'challenge_unknown', 'challenge_other_user', 'challenge_unknown']);
    expect(service.sink.audit().filter((line) => line.event === 'mfa.failed')).toHaveLength(4);
  });

  it('when the webauthn proof is garbage, then 400 naming the field, never 500', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    const pending = (await passwordLogin(service.url, 'alice')).body.mfa_token;
    const answer = await secondStep(service.url, pending, { id: 'AAAA' });
    expect(answer.status).toBe(400);
    expect(String((answer.body as unknown as { error_description: string }).error_description)).toMatch(/^webauthn\./);
  });
});
