import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { MemoryTokenStore } from '../../services/auth/adapters/memory/memory-token-store.js';
import { dpopKey, type DpopTestKey } from '../support/dpop-key.js';
import { freePort } from '../support/free-port.js';
import * as hostile from '../support/hostile-dpop.js';
import { pollUntil } from './contracts/poll.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { PASSWORD, post, request } from './support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';

/** Collects pino's JSON lines. */
class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

/** The memory token store, noting every DPoP jti it is asked to claim (the replay cache's entries). */
class ClaimRecordingTokenStore extends MemoryTokenStore {
  readonly dpopClaims: string[] = [];
  override async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    if (key.startsWith('dpop:')) this.dpopClaims.push(key);
    return super.claimOnce(key, expiresAtSeconds);
  }
}

/**
 * Issue 22, point 6 at auth's token endpoints: a hostile DPoP proof (weak or oversized key, huge
 * exponent, private key, wrong typ, alg none or HS256, wrong htm/htu/iat) is 400
 * invalid_dpop_proof at /oauth/token, /auth/login and /auth/refresh, never a 500, nothing logged
 * as a fault; and a proof's jti is spent only by a request that also got the password or refresh
 * token right, so anonymous requests do not fill the replay cache.
 */
describe('hostile DPoP proofs at the token endpoints', () => {
  let auth: TestAuth;
  let tokens: ClaimRecordingTokenStore;
  let key: DpopTestKey;
  const sink = new LineSink();
  const secret = newSecret();

  beforeAll(async () => {
    const port = await freePort();
    const clients = new MemoryClientStore();
    auth = await startTestAuth({
      clients,
      env: { AUTH_PORT: String(port), AUTH_ISSUER: `http://127.0.0.1:${port}` },
      tokens: (clock) => (tokens = new ClaimRecordingTokenStore({ now: clock.now })),
      logDestination: sink,
    });
    await addSecretClient(clients, 'service', secret);
    key = await dpopKey('ES256');
    expect((await post(auth.url, '/auth/register', { username: 'hostile-user', password: PASSWORD })).status).toBe(201);
  });
  afterAll(() => auth?.stop());

  const login = (dpop: string | undefined, password = PASSWORD) =>
    request(auth.url, 'POST', '/auth/login', { json: { username: 'hostile-user', password }, headers: dpop ? { dpop } : {} });
  const refresh = (refreshToken: string, dpop: string | undefined) =>
    request(auth.url, 'POST', '/auth/refresh', { json: { refresh_token: refreshToken }, headers: dpop ? { dpop } : {} });

  const endpoints: Array<[string, string, (dpop: string) => ReturnType<typeof request>]> = [
    ['/oauth/token', '/oauth/token', (dpop) => postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('service', secret), dpop })],
    ['/auth/login', '/auth/login', (dpop) => login(dpop)],
    [
      '/auth/refresh',
      '/auth/refresh',
      async (dpop) => {
        const fresh = await login(undefined);
        return refresh(fresh.body.refresh_token as string, dpop);
      },
    ],
  ];

  const now = () => Math.floor(Date.now() / 1000);
  const proofs: Array<[string, (htu: string) => Promise<string> | string]> = [
    ['a 1024-bit RSA key', (htu) => hostile.rsa1024Proof({ htm: 'POST', htu })],
    ['a 3072-bit key with a ~3000-bit exponent and a random signature', (htu) => hostile.hugeExponentProof({ htm: 'POST', htu })],
    ['an 8192-bit RSA key', (htu) => hostile.rsaModulusProof(8192, { htm: 'POST', htu })],
    ['a private key in the header', (htu) => hostile.privateKeyProof({ htm: 'POST', htu })],
    ['typ JWT', (htu) => hostile.wrongTypProof({ htm: 'POST', htu })],
    ['alg none', (htu) => hostile.algNoneProof({ htm: 'POST', htu })],
    ['alg HS256', (htu) => hostile.hs256Proof({ htm: 'POST', htu })],
    ['alg ES256 on a P-384 key', (htu) => hostile.curveMismatchProof({ htm: 'POST', htu })],
    ['the wrong htm', (htu) => key.proof({ htm: 'GET', htu })],
    ['the wrong htu', (htu) => key.proof({ htm: 'POST', htu: `${htu}/elsewhere` })],
    ['a stale iat', (htu) => key.proof({ htm: 'POST', htu, iat: now() - 600 })],
    ['a jti of 300 characters', (htu) => key.proof({ htm: 'POST', htu, jti: 'j'.repeat(300) })],
  ];
  const cases = endpoints.flatMap(([name, path, send]) => proofs.map(([label, make]) => [name, label, path, send, make] as const));

  it.each(cases)('when %s gets a proof with %s, then it is 400 invalid_dpop_proof, no fault is logged and no jti is claimed', async (_name, _label, path, send, make) => {
    const before = tokens.dpopClaims.length;
    const response = await send(await make(`${auth.url}${path}`));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.any(String) });
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(tokens.dpopClaims.length).toBe(before);
  });

  it('when every hostile proof has been answered, then no line was logged at error level and none holds a stack', async () => {
    await login(undefined);
    await pollUntil(() => sink.lines.some((line) => line.includes('"route":"/auth/login"')), { what: 'a request line' });
    const faults = sink.lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50 || line.includes('"stack"'));
    expect(faults).toEqual([]);
  });

  it('when a valid proof comes with the wrong password, then its jti is not claimed, and the same proof then logs in with the right one', async () => {
    const proof = await key.proof({ htm: 'POST', htu: `${auth.url}/auth/login` });
    const before = tokens.dpopClaims.length;
    expect((await login(proof, `${PASSWORD}-wrong`)).status).toBe(401);
    expect(tokens.dpopClaims.length).toBe(before);
    const loggedIn = await login(proof);
    expect([loggedIn.status, loggedIn.body.token_type]).toEqual([200, 'DPoP']);
    // Once used, the proof is spent: a replay is refused.
    const replay = await login(proof);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_dpop_proof']);
  });

  it('when a valid proof comes with an unknown refresh token, then its jti is not claimed, and the same proof then refreshes a real one', async () => {
    const proof = await key.proof({ htm: 'POST', htu: `${auth.url}/auth/refresh` });
    const before = tokens.dpopClaims.length;
    const bogus = await refresh(randomBytes(32).toString('base64url'), proof);
    expect([bogus.status, bogus.body.error]).toEqual([401, 'invalid_grant']);
    expect(tokens.dpopClaims.length).toBe(before);

    const loggedIn = await login(await key.proof({ htm: 'POST', htu: `${auth.url}/auth/login` }));
    const refreshed = await refresh(loggedIn.body.refresh_token as string, proof);
    expect([refreshed.status, refreshed.body.token_type]).toEqual([200, 'DPoP']);
    const replay = await refresh(refreshed.body.refresh_token as string, proof);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_dpop_proof']);
  });

  it('when a public client refreshes at /oauth/token with a valid proof and an unknown refresh token, then its jti is not claimed, and the same proof then works', async () => {
    const proof = await key.proof({ htm: 'POST', htu: `${auth.url}/oauth/token` });
    const viaOauth = (refreshToken: string) => postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: auth.config.FIRST_PARTY_CLIENT_ID }, { dpop: proof });
    const before = tokens.dpopClaims.length;
    expect((await viaOauth(randomBytes(32).toString('base64url'))).body.error).toBe('invalid_grant');
    expect(tokens.dpopClaims.length).toBe(before);
    const loggedIn = await login(await key.proof({ htm: 'POST', htu: `${auth.url}/auth/login` }));
    const refreshed = await viaOauth(loggedIn.body.refresh_token as string);
    expect([refreshed.status, refreshed.body.token_type]).toEqual([200, 'DPoP']);
    const replay = await viaOauth(refreshed.body.refresh_token as string);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_dpop_proof']);
  });

  it('when a proof names a victim key and jti but its signature is forged, then the victim\'s real proof with that jti still works', async () => {
    const jti = randomUUID();
    const real = await key.proof({ htm: 'POST', htu: `${auth.url}/auth/login`, jti });
    const [header, payload] = real.split('.');
    const forged = `${header}.${payload}.${randomBytes(64).toString('base64url')}`;
    expect((await login(forged)).body.error).toBe('invalid_dpop_proof');
    expect((await login(real)).status).toBe(200);
  });
});
