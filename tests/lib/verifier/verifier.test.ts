import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier, type VerifierOptions } from '../../../lib/verifier/index.js';
import { createFakeRevocations } from './fake-revocations.js';
import { b64url, generateTestKey, publicJwk, startTestIssuer, withHeader, type TestIssuer, type TestKey } from './test-issuer.js';

let issuer: TestIssuer;
let smallKey: TestKey;
let strangerKey: TestKey;
const verifiers: Verifier[] = [];

beforeAll(async () => {
  smallKey = generateTestKey('small-key', 1024);
  strangerKey = generateTestKey('stranger-key');
  issuer = await startTestIssuer({ extraKeys: [smallKey] });
});
afterAll(() => issuer.close());
afterEach(() => {
  for (const verifier of verifiers.splice(0)) verifier.close();
});

function verifierWith(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri, ...options });
  verifiers.push(verifier);
  return verifier;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'ACCEPTED';
}

function hs256WithPublicKeyAsSecret(): string {
  const secret = issuer.mainKey.publicKey.export({ format: 'pem', type: 'spki' });
  const head = b64url({ alg: 'HS256', typ: 'at+jwt', kid: issuer.mainKey.kid });
  const body = b64url({ iss: issuer.issuer, sub: 'x', aud: 'api', exp: 9_999_999_999, iat: 1, jti: 'j', client_id: 'c' });
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

describe('createVerifier', () => {
  it('when the token is valid, then it resolves with the identity', async () => {
    const identity = await verifierWith().verify(issuer.sign({ claims: { sub: 'user-7', roles: ['admin'] } }));
    expect(identity).toMatchObject({ sub: 'user-7', clientId: 'first-party', scopes: ['notes:read', 'notes:write'], roles: ['admin'] });
    expect(identity.claims.username).toBe('alice');
    expect(Object.isFrozen(identity)).toBe(true);
  });

  it('when typ is application/at+jwt in another case, then it is accepted (RFC 9068 §2.1)', async () => {
    await expect(verifierWith().verify(issuer.sign({ header: { typ: 'Application/AT+JWT' } }))).resolves.toBeDefined();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const rows: Array<[string, () => string, string]> = [
    ['alg none', () => withHeader(issuer.sign(), { alg: 'none', typ: 'at+jwt', kid: 'main-key' }).replace(/[^.]+$/, ''), 'TOKEN_MALFORMED'],
    ['alg none with a signature', () => withHeader(issuer.sign(), { alg: 'none', typ: 'at+jwt', kid: 'main-key' }), 'TOKEN_ALGORITHM_INVALID'],
    ['alg NoNe', () => withHeader(issuer.sign(), { alg: 'NoNe', typ: 'at+jwt', kid: 'main-key' }), 'TOKEN_ALGORITHM_INVALID'],
    ['HS256 with the public key as secret', hs256WithPublicKeyAsSecret, 'TOKEN_ALGORITHM_INVALID'],
    ['typ JWT', () => issuer.sign({ header: { typ: 'JWT' } }), 'TOKEN_TYPE_INVALID'],
    ['typ missing', () => issuer.sign({ header: { typ: undefined } }), 'TOKEN_TYPE_INVALID'],
    ['crit header', () => issuer.sign({ header: { crit: ['exp'] } }), 'TOKEN_CRIT_UNSUPPORTED'],
    ['kid missing', () => issuer.sign({ header: { kid: undefined } }), 'KEY_ID_INVALID'],
    ['kid with path traversal', () => issuer.sign({ header: { kid: '../../../etc/passwd' } }), 'KEY_ID_INVALID'],
    ['unknown kid', () => issuer.sign({ key: strangerKey }), 'KEY_NOT_FOUND'],
    ['1024-bit key', () => issuer.sign({ key: smallKey }), 'KEY_TOO_SMALL'],
    ['expired', () => issuer.sign({ claims: { exp: now() - 120, iat: now() - 600 } }), 'TOKEN_EXPIRED'],
    ['nbf in the future', () => issuer.sign({ claims: { nbf: now() + 120 } }), 'TOKEN_NOT_YET_VALID'],
    ['wrong iss', () => issuer.sign({ claims: { iss: 'http://evil.example' } }), 'TOKEN_ISSUER_INVALID'],
    ['wrong aud', () => issuer.sign({ claims: { aud: 'other' } }), 'TOKEN_AUDIENCE_INVALID'],
    ['missing sub', () => issuer.sign({ claims: { sub: undefined } }), 'TOKEN_CLAIMS_INVALID'],
    ['missing exp', () => issuer.sign({ claims: { exp: undefined } }), 'TOKEN_CLAIMS_INVALID'],
    ['missing jti', () => issuer.sign({ claims: { jti: undefined } }), 'TOKEN_CLAIMS_INVALID'],
    ['roles not strings', () => issuer.sign({ claims: { roles: [1] } }), 'TOKEN_CLAIMS_INVALID'],
    ['a signed payload that is not an object', () => issuer.signRawPayload('just a string'), 'TOKEN_MALFORMED'],
    ['a signed payload that is an array', () => issuer.signRawPayload([1, 2]), 'TOKEN_MALFORMED'],
    ['a swapped payload that is not an object', () => { const [h, , s] = issuer.sign().split('.'); return `${h}.${b64url('"just a string"')}.${s}`; }, 'TOKEN_SIGNATURE_INVALID'],
    ['truncated signature', () => issuer.sign().slice(0, -10), 'TOKEN_SIGNATURE_INVALID'],
    ['altered signature', () => { const t = issuer.sign(); return t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA'); }, 'TOKEN_SIGNATURE_INVALID'],
    ['altered payload', () => { const [h, , s] = issuer.sign().split('.'); return `${h}.${b64url({ ...JSON.parse(Buffer.from(issuer.sign().split('.')[1]!, 'base64url').toString()), sub: 'admin' })}.${s}`; }, 'TOKEN_SIGNATURE_INVALID'],
    ['non-base64url characters', () => issuer.sign().replace('.', '.+/'), 'TOKEN_MALFORMED'],
    ['characters outside b64token', () => issuer.sign().replace('.', '.!'), 'TOKEN_MALFORMED'],
    ['a space inside', () => issuer.sign().replace('.', '. '), 'TOKEN_MALFORMED'],
    ['b64token padding', () => `${issuer.sign()}==`, 'TOKEN_MALFORMED'],
    ['two segments', () => issuer.sign().split('.').slice(0, 2).join('.'), 'TOKEN_MALFORMED'],
    ['header not JSON', () => `${b64url('{nope')}.${issuer.sign().split('.').slice(1).join('.')}`, 'TOKEN_MALFORMED'],
  ];
  it.each(rows)('when the token has %s, then it is refused with %s', async (_name, make, code) => {
    expect(await codeOf(verifierWith().verify(make()))).toBe(code);
  });

  it('when jku, x5u, jwk and x5c point elsewhere, then they are ignored and the JWKS key decides', async () => {
    const attackerJwk = publicJwk(strangerKey);
    const foreign = issuer.sign({ key: strangerKey, header: { kid: 'stranger-key', jku: 'http://127.0.0.1:1/jwks', x5u: 'http://127.0.0.1:1/cert', jwk: attackerJwk } });
    expect(await codeOf(verifierWith().verify(foreign))).toBe('KEY_NOT_FOUND');
    const genuine = issuer.sign({ header: { jku: 'http://127.0.0.1:1/jwks', jwk: attackerJwk } });
    await expect(verifierWith().verify(genuine)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('when the clock tolerance is above 30 s, then it refuses to build', () => {
    expect(() => createVerifier({ issuer: 'x', audience: 'api', jwksUri: issuer.jwksUri, clockToleranceSeconds: 31 })).toThrow(RangeError);
  });
});

describe('key fetching', () => {
  it('when unknown kids keep arriving, then the JWKS is refetched at most once per cooldown', async () => {
    let clock = Date.now();
    const verifier = verifierWith({ cooldownMs: 10_000, now: () => clock });
    await verifier.verify(issuer.sign());
    const afterFirst = issuer.jwksHits();
    const unknown = () => issuer.sign({ key: strangerKey });

    await Promise.all([1, 2, 3].map(() => codeOf(verifier.verify(unknown()))));
    expect(issuer.jwksHits()).toBe(afterFirst); // within the cooldown of the first fetch

    clock += 10_001;
    const codes = await Promise.all([1, 2, 3].map(() => codeOf(verifier.verify(unknown()))));
    expect(codes).toEqual(['KEY_NOT_FOUND', 'KEY_NOT_FOUND', 'KEY_NOT_FOUND']);
    expect(issuer.jwksHits()).toBe(afterFirst + 1); // one shared fetch
    expect(await codeOf(verifier.verify(unknown()))).toBe('KEY_NOT_FOUND');
    expect(issuer.jwksHits()).toBe(afterFirst + 1);
  });

  it('when a new key is published, then a token it signed is accepted after the cooldown', async () => {
    let clock = Date.now();
    const rotated = generateTestKey('rotated-key');
    const verifier = verifierWith({ cooldownMs: 5_000, now: () => clock });
    await verifier.loadKeys();
    issuer.publish([publicJwk(issuer.mainKey), publicJwk(smallKey), publicJwk(rotated)]);
    try {
      clock += 5_001;
      await expect(verifier.verify(issuer.sign({ key: rotated }))).resolves.toMatchObject({ sub: 'user-1' });
    } finally {
      issuer.publish([publicJwk(issuer.mainKey), publicJwk(smallKey)]);
    }
  });

  it('when the JWKS endpoint fails, then verification answers JWKS_UNAVAILABLE (503)', async () => {
    issuer.failJwks(true);
    try {
      const verifier = verifierWith();
      await expect(verifier.verify(issuer.sign())).rejects.toMatchObject({ code: 'JWKS_UNAVAILABLE', status: 503 });
      expect(verifier.keysLoaded()).toBe(false);
    } finally {
      issuer.failJwks(false);
    }
  });

  it('when the JWKS endpoint is unreachable, then it fails within the timeout', async () => {
    const verifier = verifierWith({ jwksUri: 'http://127.0.0.1:1/.well-known/jwks.json', timeoutMs: 500 });
    await expect(verifier.verify(issuer.sign())).rejects.toMatchObject({ code: 'JWKS_UNAVAILABLE' });
  });
});

describe('verified-token cache', () => {
  it('when a cached token is revoked, then the next call refuses it', async () => {
    const revocations = createFakeRevocations();
    const verifier = verifierWith({ revocations });
    const token = issuer.sign({ claims: { jti: 'jti-revoke-me' } });
    await verifier.verify(token);
    await verifier.verify(token);
    expect(revocations.checks).toBe(2);
    revocations.revoke('jti-revoke-me');
    expect(await codeOf(verifier.verify(token))).toBe('TOKEN_REVOKED');
  });

  it('when verifyCached is asked, then it answers synchronously only what verify already knows, revocation included', async () => {
    const revocations = createFakeRevocations();
    const verifier = verifierWith({ revocations });
    const token = issuer.sign({ claims: { jti: 'jti-sync' } });
    expect(verifier.verifyCached(token)).toBeUndefined();
    const verified = await verifier.verify(token);
    expect(verifier.verifyCached(token)).toBe(verified);
    revocations.revoke('jti-sync');
    expect(() => verifier.verifyCached(token)).toThrow(expect.objectContaining({ code: 'TOKEN_REVOKED' }));
    expect(verifier.verifyCached(issuer.sign())).toBeUndefined();
  });

  it('when the revocation list answers asynchronously, then verifyCached hands back its promise instead of asking twice', async () => {
    let asked = 0;
    const verifier = verifierWith({ revocations: { isRevoked: async () => (asked++, true) } });
    const token = issuer.sign();
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    const answer = verifier.verifyCached(token);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    expect(asked).toBe(2);
  });

  it('when the clock passes exp, then the cached answer is not used', async () => {
    let clock = Date.now();
    const verifier = verifierWith({ clockToleranceSeconds: 0, now: () => clock });
    const exp = Math.floor(clock / 1000) + 60;
    const token = issuer.sign({ claims: { exp } });
    await verifier.verify(token);
    clock = exp * 1000 - 1;
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock = exp * 1000 + 1_000;
    expect(await codeOf(verifier.verify(token))).toBe('TOKEN_EXPIRED');
  });

  it('when the issuer withdraws the key, then tokens it signed stop being accepted from the cache', async () => {
    let clock = Date.now();
    const verifier = verifierWith({ cooldownMs: 1_000, now: () => clock });
    const token = issuer.sign();
    await verifier.verify(token);
    const replacement = generateTestKey('replacement-key');
    issuer.publish([publicJwk(replacement)]);
    try {
      clock += 1_001;
      await verifier.verify(issuer.sign({ key: replacement })); // unknown kid: refetch drops main-key
      expect(await codeOf(verifier.verify(token))).toBe('KEY_NOT_FOUND');
    } finally {
      issuer.publish([publicJwk(issuer.mainKey), publicJwk(smallKey)]);
    }
  });

  it('when more tokens than cacheSize are verified, then the oldest are evicted and still verify', async () => {
    const verifier = verifierWith({ cacheSize: 2 });
    const tokens = [1, 2, 3].map((n) => issuer.sign({ claims: { sub: `u${n}` } }));
    for (const token of tokens) await verifier.verify(token);
    await expect(verifier.verify(tokens[0]!)).resolves.toMatchObject({ sub: 'u1' });
  });
});
