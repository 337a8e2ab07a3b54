import { describe, expect, it } from 'vitest';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { decodeJwt } from 'jose';
import { get, PASSWORD, post, request } from '../support/http-client.js';
import { credentialsOf, loginOptions, passkeyAuthPerTest, passkeyLogin, PUBLIC_URL } from './passkey-harness.js';
import { SoftAuthenticator } from './soft-authenticator.js';

const auth = passkeyAuthPerTest();
const ADMIN_TOKEN = 'admin-token-for-passkey-tests-0123456789';

const refusalsIn = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line.event === 'passkey.refused').map((line) => line.reason);

describe('passkey registration', () => {
  it('when a signed-in user registers passkeys, then each is listed with its name, user verification and no key material, and audited', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const laptop = await alice.registerPasskey('Laptop');
    const second = await alice.registerPasskey();
    expect(laptop).toEqual({ id: expect.any(String), name: 'Laptop' });
    expect(second.name).toBe('Passkey 2');
    const list = await credentialsOf(service.url, alice.token);
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toBe('no-store');
    expect(list.body.credentials.map((c) => c.name)).toEqual(['Laptop', 'Passkey 2']);
    expect(list.body.credentials[0]).toEqual({ id: laptop.id, name: 'Laptop', created_at: expect.any(String), last_used_at: null, user_verified: true, synced: false });
    expect(service.sink.audit().filter((line) => line.event === 'passkey.registered')).toHaveLength(2);
    expect(service.sink.audit().find((line) => line.event === 'passkey.registered')).toMatchObject({ user_id: alice.id, credential_id: laptop.id, user_verified: true });
  });

  it('when options are asked, then they name the RP, the user handle, discoverable credentials, and exclude the passkeys already held', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const held = await alice.registerPasskey();
    const options = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
    expect(options.headers.get('cache-control')).toBe('no-store');
    expect(options.body.rp).toEqual({ name: 'authgate', id: 'id.example.test' });
    expect(options.body.user).toMatchObject({ id: Buffer.from(alice.id).toString('base64url'), name: 'alice' });
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true });
    expect(options.body.excludeCredentials?.map((c) => c.id)).toEqual([held.id]);
    expect(options.body.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('when an authenticator without user verification registers, then the passkey records it', async () => {
    const service = await auth();
    const bob = await service.user('bob', { userVerified: false, counting: false });
    await bob.registerPasskey('Key');
    const [passkey] = (await credentialsOf(service.url, bob.token)).body.credentials;
    expect(passkey).toMatchObject({ user_verified: false, synced: true });
  });

  it("when a registration answers another user's challenge, then 400 and nothing is registered for either", async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const mallory = await service.user('mallory');
    const aliceOptions = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
    const answer = await post(service.url, '/auth/webauthn/register', { response: mallory.authenticator.create(aliceOptions.body) }, mallory.token);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
    expect((await credentialsOf(service.url, alice.token)).body.credentials).toEqual([]);
    expect((await credentialsOf(service.url, mallory.token)).body.credentials).toEqual([]);
    expect(refusalsIn(service.sink.audit())).toEqual(['challenge_other_user']);
  });

  it('when a registration response is replayed, then the second is refused (its challenge is spent)', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const options = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
    const response = alice.authenticator.create(options.body);
    expect((await post(service.url, '/auth/webauthn/register', { response }, alice.token)).status).toBe(201);
    const replay = await post(service.url, '/auth/webauthn/register', { response }, alice.token);
    expect(replay.status).toBe(400);
    expect((await credentialsOf(service.url, alice.token)).body.credentials).toHaveLength(1);
  });

  it('when a registration comes from another origin or for another RP ID, or its challenge expired, then 400 and nothing is registered', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const attempt = async (make: (options: PublicKeyCredentialCreationOptionsJSON) => unknown) => {
      const options = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
      return post(service.url, '/auth/webauthn/register', { response: make(options.body) }, alice.token);
    };
    expect((await attempt((options) => alice.authenticator.create(options, { origin: 'https://evil.example' }))).status).toBe(400);
    expect((await attempt((options) => alice.authenticator.create(options, { rpId: 'evil.example' }))).status).toBe(400);
    const options = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
    service.clock.advance(121_000);
    const late = await post(service.url, '/auth/webauthn/register', { response: alice.authenticator.create(options.body) }, alice.token);
    expect(late.status).toBe(400);
    expect((await credentialsOf(service.url, alice.token)).body.credentials).toEqual([]);
  });

  it('when the endpoints are called without a token, then 401', async () => {
    const service = await auth();
    expect((await post(service.url, '/auth/webauthn/register/options', {})).status).toBe(401);
    expect((await post(service.url, '/auth/webauthn/register', { response: {} })).status).toBe(401);
    expect((await get(service.url, '/auth/webauthn/credentials')).status).toBe(401);
    expect((await request(service.url, 'DELETE', '/auth/webauthn/credentials/x')).status).toBe(401);
  });
});

describe('passwordless sign-in', () => {
  it('when a passkey answers a discoverable challenge, then the login token pair comes back, for its owner, and is audited', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const { id } = await alice.registerPasskey('Phone');
    const options = await loginOptions(service.url);
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toBeUndefined();
    expect(options.body.rpId).toBe('id.example.test');
    const login = await passkeyLogin(service.url, alice.authenticator.get(options.body));
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String), scope: expect.any(String) });
    expect(decodeJwt(login.body.access_token)).toMatchObject({ sub: alice.id, username: 'alice', client_id: 'first-party' });
    expect((await get(service.url, '/auth/me', login.body.access_token)).body).toMatchObject({ sub: alice.id });
    expect((await credentialsOf(service.url, alice.token)).body.credentials[0]!.last_used_at).toEqual(expect.any(String));
    expect(service.sink.audit().find((line) => line.event === 'passkey.signed_in')).toMatchObject({ ceremony: 'login', user_id: alice.id, credential_id: id, user_verified: true });
    // The refresh family is a login like any other: it refreshes.
    expect((await post(service.url, '/auth/refresh', { refresh_token: login.body.refresh_token })).status).toBe(200);
  });

  it('when a username is given, then only that account\'s passkeys are allowed', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const first = await alice.registerPasskey();
    const second = await alice.registerPasskey();
    const options = await loginOptions(service.url, 'Alice');
    expect(options.body.allowCredentials?.map((c) => c.id)).toEqual([first.id, second.id]);
    expect((await passkeyLogin(service.url, alice.authenticator.get(options.body))).status).toBe(200);
  });

  it('when an assertion is replayed, then it is refused: its challenge was spent by the first use', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    const response = alice.authenticator.get((await loginOptions(service.url)).body);
    expect((await passkeyLogin(service.url, response)).status).toBe(200);
    const replay = await passkeyLogin(service.url, response);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });
    expect(replay.body).not.toHaveProperty('access_token');
    expect(refusalsIn(service.sink.audit())).toEqual(['challenge_unknown']);
  });

  it('when replayed concurrently, then exactly one sign-in succeeds', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    const response = alice.authenticator.get((await loginOptions(service.url)).body);
    const answers = await Promise.all(Array.from({ length: 6 }, () => passkeyLogin(service.url, response)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('when the counter goes backwards (a cloned authenticator), then the sign-in is refused and audited as a warning', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { counter: 7 }))).status).toBe(200);
    const clone = await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { counter: 7 }));
    expect(clone.status).toBe(401);
    const older = await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { counter: 3 }));
    expect(older.status).toBe(401);
    const warnings = service.sink.audit().filter((line) => line.event === 'passkey.refused');
    expect(warnings.map((line) => [line.reason, line.level])).toEqual([
      ['counter_regressed', 40],
      ['counter_regressed', 40],
    ]);
    // The genuine authenticator, counting on, still signs in.
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { counter: 8 }))).status).toBe(200);
  });

  it("when another user's passkey answers a challenge issued for a username, then 401", async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const mallory = await service.user('mallory');
    await alice.registerPasskey();
    const { id } = await mallory.registerPasskey();
    const options = await loginOptions(service.url, 'alice');
    const answer = await passkeyLogin(service.url, mallory.authenticator.get(options.body, { credentialId: id }));
    expect(answer.status).toBe(401);
    expect(refusalsIn(service.sink.audit())).toEqual(['challenge_other_user']);
  });

  it('when a name without an account is given, then options look like any and no passkey can answer them', async () => {
    const service = await auth();
    const mallory = await service.user('mallory');
    await mallory.registerPasskey();
    const options = await loginOptions(service.url, 'nobody-here');
    expect(options.status).toBe(200);
    expect((await passkeyLogin(service.url, mallory.authenticator.get(options.body))).status).toBe(401);
  });

  it('when the user handle names another account, then 401', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    const forged = alice.authenticator.get((await loginOptions(service.url)).body, { userHandle: Buffer.from('someone-else').toString('base64url') });
    expect((await passkeyLogin(service.url, forged)).status).toBe(401);
    expect(refusalsIn(service.sink.audit())).toEqual(['user_handle_mismatch']);
  });

  it('when the challenge expired, was issued for a registration, or the assertion is signed for another origin or RP, or tampered with, then 401', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    const expired = (await loginOptions(service.url)).body;
    service.clock.advance(121_000);
    expect((await passkeyLogin(service.url, alice.authenticator.get(expired))).status).toBe(401);
    const registration = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
    expect((await passkeyLogin(service.url, alice.authenticator.get({ challenge: registration.body.challenge, rpId: 'id.example.test' }))).status).toBe(401);
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { origin: 'https://evil.example' }))).status).toBe(401);
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { rpId: 'evil.example' }))).status).toBe(401);
    const tampered = alice.authenticator.get((await loginOptions(service.url)).body);
    const signature = Buffer.from(tampered.response.signature, 'base64url');
    signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 1, signature.length - 1);
    expect((await passkeyLogin(service.url, { ...tampered, response: { ...tampered.response, signature: signature.toString('base64url') } })).status).toBe(401);
    expect(refusalsIn(service.sink.audit())).toEqual(['challenge_unknown', 'challenge_unknown', 'signature_invalid', 'signature_invalid', 'signature_invalid']);
  });

  it('when a passkey of an unknown credential answers, then 401', async () => {
    const service = await auth();
    const stranger = new SoftAuthenticator({ origin: PUBLIC_URL });
    stranger.create({ challenge: 'AAAA', rp: { id: 'id.example.test', name: 'x' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' }, pubKeyCredParams: [] });
    expect((await passkeyLogin(service.url, stranger.get((await loginOptions(service.url)).body))).status).toBe(401);
  });

  it('when the account was locked after registering, then its passkey no longer signs in', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    await service.users.setLocked(alice.id, true);
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body))).status).toBe(401);
  });
});

describe('removing passkeys', () => {
  it("when a user removes a passkey, then it no longer signs in; another user's id is 404 and theirs stays", async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const mallory = await service.user('mallory');
    const { id } = await alice.registerPasskey();
    const theirs = await mallory.registerPasskey();
    const foreign = await request(service.url, 'DELETE', `/auth/webauthn/credentials/${theirs.id}`, { token: alice.token });
    expect(foreign.status).toBe(404);
    expect((await credentialsOf(service.url, mallory.token)).body.credentials).toHaveLength(1);
    expect((await request(service.url, 'DELETE', `/auth/webauthn/credentials/${id}`, { token: alice.token })).status).toBe(204);
    expect((await credentialsOf(service.url, alice.token)).body.credentials).toEqual([]);
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body, { credentialId: id }))).status).toBe(401);
    expect(service.sink.audit().find((line) => line.event === 'passkey.removed')).toMatchObject({ user_id: alice.id, credential_id: id, count: 1 });
  });
});

describe('passkeys of a deleted account', () => {
  it('when the user deletes their account, then its passkeys are removed with it (audited) and sign in no more', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    await alice.registerPasskey();
    await alice.registerPasskey();
    expect((await request(service.url, 'DELETE', '/auth/account', { json: { password: PASSWORD }, token: alice.token })).status).toBe(204);
    expect(service.sink.audit().find((line) => line.event === 'passkey.removed')).toMatchObject({ user_id: alice.id, count: 2, credential_id: null });
    expect((await passkeyLogin(service.url, alice.authenticator.get((await loginOptions(service.url)).body))).status).toBe(401);
  });

  it('when an operator deletes the user, then the passkeys go too', async () => {
    const service = await auth({ AUTH_ADMIN_TOKEN: ADMIN_TOKEN });
    const bob = await service.user('bob');
    await bob.registerPasskey();
    expect((await request(service.url, 'DELETE', `/admin/users/${bob.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect(service.sink.audit().find((line) => line.event === 'passkey.removed')).toMatchObject({ user_id: bob.id, count: 1 });
  });

  it("when an operator removes a user's factors, then every passkey goes, the password alone signs in again, and the passkey no longer does", async () => {
    const service = await auth({ AUTH_ADMIN_TOKEN: ADMIN_TOKEN });
    const carol = await service.user('carol');
    await carol.registerPasskey();
    await carol.registerPasskey();
    expect((await post(service.url, '/auth/login', { username: 'carol', password: PASSWORD })).body.error).toBe('mfa_required');
    expect((await request(service.url, 'DELETE', `/admin/users/${carol.id}/factors`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect(service.sink.audit().find((line) => line.event === 'passkey.removed')).toMatchObject({ user_id: carol.id, count: 2, credential_id: null });
    const login = await post(service.url, '/auth/login', { username: 'carol', password: PASSWORD });
    expect(login.status).toBe(200);
    expect((await get(service.url, '/auth/account', String(login.body.access_token))).body.mfa).toMatchObject({ passkeys: 0 });
    expect((await passkeyLogin(service.url, carol.authenticator.get((await loginOptions(service.url)).body))).status).toBe(401);
  });
});
