import { describe, expect, it } from 'vitest';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { post, request } from '../support/http-client.js';
import { credentialsOf, loginOptions, passkeyAuthPerTest } from './passkey-harness.js';

const auth = passkeyAuthPerTest();

const clientData = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const assertion = (response: Record<string, unknown>) => ({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {}, response });
const goodClientData = clientData({ type: 'webauthn.get', challenge: 'A'.repeat(43), origin: 'https://id.example.test' });

/** Each row: a body for POST /auth/webauthn/login, and the start of the description naming the field. */
const LOGIN_ROWS: Array<[string, unknown, string]> = [
  ['no response', {}, 'response: is required'],
  ['a string response', { response: 'garbage' }, 'response: must be an object'],
  ['an array response', { response: [] }, 'response:'],
  ['an empty object', { response: {} }, 'response.id'],
  ['a wrong type', { response: { ...assertion({ clientDataJSON: goodClientData, authenticatorData: 'AA', signature: 'AA' }), type: 'password' } }, 'response.type'],
  ['an id not base64url', { response: { ...assertion({ clientDataJSON: goodClientData, authenticatorData: 'AA', signature: 'AA' }), id: 'a+b/c=' } }, 'response.id'],
  ['no signature', { response: assertion({ clientDataJSON: goodClientData, authenticatorData: 'AA' }) }, 'response.response.signature'],
  ['clientDataJSON not JSON', { response: assertion({ clientDataJSON: clientData('not json'), authenticatorData: 'AA', signature: 'AA' }) }, 'response.response.clientDataJSON'],
  ['clientDataJSON without challenge', { response: assertion({ clientDataJSON: clientData({ type: 'webauthn.get' }), authenticatorData: 'AA', signature: 'AA' }) }, 'response.response.clientDataJSON.challenge'],
  ['a huge signature', { response: assertion({ clientDataJSON: goodClientData, authenticatorData: 'AA', signature: 'A'.repeat(5_000) }) }, 'response.response.signature'],
];

describe('bad WebAuthn input', () => {
  it.each(LOGIN_ROWS)('when the login gets %s, then 400 invalid_request naming the field', async (_name, body, description) => {
    const service = await auth();
    const answer = await post(service.url, '/auth/webauthn/login', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
    expect(String(answer.body.error_description)).toContain(description);
  });

  it('when a well-formed assertion carries garbage authenticator data and signature, then 401, never 500', async () => {
    const service = await auth();
    const { challenge } = (await loginOptions(service.url)).body;
    const garbage = assertion({ clientDataJSON: clientData({ type: 'webauthn.get', challenge, origin: 'https://id.example.test' }), authenticatorData: 'AAAA', signature: 'AAAA' });
    expect((await post(service.url, '/auth/webauthn/login', { response: garbage })).status).toBe(401);
  });

  it('when a registration gets garbage, a bad name, or a well-formed but meaningless attestation, then 400 and nothing is registered', async () => {
    const service = await auth();
    const alice = await service.user('alice');
    const options = await post<PublicKeyCredentialCreationOptionsJSON>(service.url, '/auth/webauthn/register/options', {}, alice.token);
    const good = alice.authenticator.create(options.body);
    const rows: Array<[unknown, string]> = [
      [{}, 'response: is required'],
      [{ response: 42 }, 'response: must be an object'],
      [{ response: { ...good, response: { ...good.response, attestationObject: undefined } } }, 'response.response.attestationObject'],
      [{ response: { ...good, response: { ...good.response, transports: ['carrier-pigeon'] } } }, 'response.response.transports'],
      [{ response: good, name: 7 }, 'name: must be a string'],
      [{ response: good, name: 'x'.repeat(65) }, 'name: must be at most 64'],
      [{ response: good, name: 'bad\u0007name' }, 'name: must not contain control characters'],
      [{ response: { ...good, response: { ...good.response, attestationObject: 'AAAA' } } }, 'does not verify'],
    ];
    for (const [body, description] of rows) {
      const answer = await post(service.url, '/auth/webauthn/register', body, alice.token);
      expect([answer.status, answer.body.error], JSON.stringify(body).slice(0, 80)).toEqual([400, 'invalid_request']);
      expect(String(answer.body.error_description)).toContain(description);
    }
    expect((await credentialsOf(service.url, alice.token)).body.credentials).toEqual([]);
  });

  it('when the body is not JSON, then 400 or 415, never 500', async () => {
    const service = await auth();
    expect((await request(service.url, 'POST', '/auth/webauthn/login', { raw: '{"response":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await request(service.url, 'POST', '/auth/webauthn/login/options', { raw: 'username=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await post(service.url, '/auth/webauthn/login/options', { username: 42 })).status).toBe(400);
  });
});
