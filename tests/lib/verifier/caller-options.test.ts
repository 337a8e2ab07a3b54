import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, tokenError, type VerificationKeys, type Verifier, type VerifierOptions } from '../../../lib/verifier/index.js';
import { createFakeRevocations } from './fake-revocations.js';
import { generateTestKey, publicJwk, startTestIssuer, withHeader, type TestIssuer, type TestKey } from './test-issuer.js';

/**
 * One table, run against the one verification core with each caller's options: what the gateway
 * and services use (remote JWKS, 30 s tolerance), what the auth service uses for its own API
 * (local keys, no tolerance, its store as revocation authority) and for introspection and
 * revocation (any audience, expiry not enforced). Rows where the three verifiers of the first
 * round disagreed (array scope, missing client_id, the error codes of auth) take the stricter rule.
 */
let issuer: TestIssuer;
let stranger: TestKey;
const revocations = createFakeRevocations();
const verifiers: Verifier[] = [];

beforeAll(async () => {
  stranger = generateTestKey('stranger-key');
  issuer = await startTestIssuer();
  revocations.revoke('revoked-jti');
});
afterAll(async () => {
  for (const verifier of verifiers) verifier.close();
  await issuer.close();
});

function localKeys(): VerificationKeys {
  return {
    getKey(kid) {
      if (kid !== issuer.mainKey.kid) throw tokenError('KEY_NOT_FOUND');
      return issuer.mainKey.publicKey;
    },
  };
}

type Caller = 'resource' | 'issuerApi' | 'issuerInspect';
const callers: Record<Caller, () => VerifierOptions> = {
  resource: () => ({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri, revocations }),
  issuerApi: () => ({ issuer: issuer.issuer, audience: 'api', keys: localKeys(), clockToleranceSeconds: 0, revocations }),
  issuerInspect: () => ({ issuer: issuer.issuer, audience: null, keys: localKeys(), clockToleranceSeconds: 0, enforceExpiry: false }),
};

const now = () => Math.floor(Date.now() / 1000);
type Expected = string | Record<Caller, string>;
const rows: Array<[string, () => string, Expected]> = [
  ['a valid token', () => issuer.sign(), 'ACCEPTED'],
  ['exp 10 s ago', () => issuer.sign({ claims: { exp: now() - 10, iat: now() - 300 } }), { resource: 'ACCEPTED', issuerApi: 'TOKEN_EXPIRED', issuerInspect: 'ACCEPTED' }],
  ['exp 2 min ago', () => issuer.sign({ claims: { exp: now() - 120, iat: now() - 600 } }), { resource: 'TOKEN_EXPIRED', issuerApi: 'TOKEN_EXPIRED', issuerInspect: 'ACCEPTED' }],
  ['nbf 10 s ahead', () => issuer.sign({ claims: { nbf: now() + 10 } }), { resource: 'ACCEPTED', issuerApi: 'TOKEN_NOT_YET_VALID', issuerInspect: 'TOKEN_NOT_YET_VALID' }],
  ['nbf 2 min ahead', () => issuer.sign({ claims: { nbf: now() + 120 } }), 'TOKEN_NOT_YET_VALID'],
  ['another audience', () => issuer.sign({ claims: { aud: 'billing' } }), { resource: 'TOKEN_AUDIENCE_INVALID', issuerApi: 'TOKEN_AUDIENCE_INVALID', issuerInspect: 'ACCEPTED' }],
  ['no audience', () => issuer.sign({ claims: { aud: undefined } }), 'TOKEN_AUDIENCE_INVALID'],
  ['a revoked jti', () => issuer.sign({ claims: { jti: 'revoked-jti' } }), { resource: 'TOKEN_REVOKED', issuerApi: 'TOKEN_REVOKED', issuerInspect: 'ACCEPTED' }],
  // First round: auth accepted these two, the gateway did not. The stricter rule holds everywhere now.
  ['scope as an array', () => issuer.sign({ claims: { scope: ['notes:read'] } }), 'TOKEN_CLAIMS_INVALID'],
  ['no client_id', () => issuer.sign({ claims: { client_id: undefined } }), 'TOKEN_CLAIMS_INVALID'],
  // First round: auth answered TOKEN_WRONG_TYPE, TOKEN_CRIT and TOKEN_UNKNOWN_KEY for these.
  ['typ JWT', () => issuer.sign({ header: { typ: 'JWT' } }), 'TOKEN_TYPE_INVALID'],
  ['a crit header', () => issuer.sign({ header: { crit: ['exp'] } }), 'TOKEN_CRIT_UNSUPPORTED'],
  ['an unknown kid', () => issuer.sign({ key: stranger }), 'KEY_NOT_FOUND'],
  ['another issuer', () => issuer.sign({ claims: { iss: 'http://evil.example' } }), 'TOKEN_ISSUER_INVALID'],
  ['alg none', () => withHeader(issuer.sign(), { alg: 'none', typ: 'at+jwt', kid: 'main-key' }), 'TOKEN_ALGORITHM_INVALID'],
  ['an altered signature', () => issuer.sign().slice(0, -6) + 'AAAAAA', 'TOKEN_SIGNATURE_INVALID'],
  ['a signed payload that is not an object', () => issuer.signRawPayload('hello'), 'TOKEN_MALFORMED'],
];

async function outcome(verifier: Verifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return 'ACCEPTED';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe.each(Object.keys(callers) as Caller[])('the verification core with the %s options', (caller) => {
  let verifier: Verifier;
  beforeAll(() => {
    verifier = createVerifier(callers[caller]());
    verifiers.push(verifier);
  });

  it.each(rows)('when it is given %s, then the outcome is the row\'s', async (_name, make, expected) => {
    expect(await outcome(verifier, make())).toBe(typeof expected === 'string' ? expected : expected[caller]);
  });
});

describe('failure cache', () => {
  function countingKeys() {
    const keys = localKeys();
    const counter = {
      lookups: 0,
      getKey(kid: string) {
        counter.lookups++;
        return keys.getKey(kid);
      },
    };
    return counter;
  }

  it('when a forged token is replayed, then it costs one signature check, not one per replay', async () => {
    const keys = countingKeys();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', keys });
    const forged = issuer.sign().slice(0, -6) + 'AAAAAA';
    for (let i = 0; i < 5; i++) expect(await outcome(verifier, forged)).toBe('TOKEN_SIGNATURE_INVALID');
    expect(keys.lookups).toBe(1);
  });

  it('when the refusal is older than its lifetime, then the token is checked again', async () => {
    let clock = Date.now();
    const keys = countingKeys();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', keys, failureCacheTtlMs: 1_000, now: () => clock });
    const forged = issuer.sign().slice(0, -6) + 'AAAAAA';
    await outcome(verifier, forged);
    clock += 1_001;
    await outcome(verifier, forged);
    expect(keys.lookups).toBe(2);
  });

  it('when more distinct bad tokens arrive than it holds, then memory stays bounded and the oldest is forgotten', async () => {
    const keys = countingKeys();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', keys, failureCacheSize: 3 });
    const forged = Array.from({ length: 5 }, (_, i) => issuer.sign({ claims: { sub: `u${i}` } }).slice(0, -6) + 'AAAAAA');
    for (const token of forged) await outcome(verifier, token);
    await outcome(verifier, forged[4]!); // still remembered
    expect(keys.lookups).toBe(5);
    await outcome(verifier, forged[0]!); // evicted: checked again
    expect(keys.lookups).toBe(6);
  });

  it('when a refusal may change (unknown key, not yet valid), then it is not remembered', async () => {
    const keys = countingKeys();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', keys, clockToleranceSeconds: 0 });
    const early = issuer.sign({ claims: { nbf: now() + 60 } });
    await outcome(verifier, early);
    await outcome(verifier, early);
    expect(keys.lookups).toBe(2);
  });
});

describe('JWKS refetch after a rotation', () => {
  it('when a token newer than the last fetch names an unknown kid, then the key set is fetched again within the cooldown, at most once a second', async () => {
    const rotated = generateTestKey('rotated-key');
    let clock = Date.now();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri, cooldownMs: 30_000, now: () => clock });
    verifiers.push(verifier);
    await verifier.loadKeys();
    const fetchedAt = Math.floor(clock / 1000);
    issuer.publish([publicJwk(issuer.mainKey), publicJwk(rotated)]);
    try {
      const before = issuer.jwksHits();
      // Signed before the last fetch: its key would have been in that fetch, so no refetch.
      expect(await outcome(verifier, issuer.sign({ key: rotated, claims: { iat: fetchedAt - 5 } }))).toBe('KEY_NOT_FOUND');
      expect(issuer.jwksHits()).toBe(before);
      clock += 2_000;
      expect(await outcome(verifier, issuer.sign({ key: rotated, claims: { iat: fetchedAt + 2 } }))).toBe('ACCEPTED');
      expect(issuer.jwksHits()).toBe(before + 1);
      // A forger's fresh iat buys at most one fetch a second.
      clock += 200;
      expect(await outcome(verifier, issuer.sign({ key: stranger, claims: { iat: fetchedAt + 3 } }))).toBe('KEY_NOT_FOUND');
      expect(issuer.jwksHits()).toBe(before + 1);
    } finally {
      issuer.publish([publicJwk(issuer.mainKey)]);
    }
  });

  it('when the JWKS endpoint is down, then an unknown kid is always 503 JWKS_UNAVAILABLE, never a 401 that depends on timing', async () => {
    let clock = Date.now();
    const verifier = createVerifier({ issuer: issuer.issuer, audience: 'api', jwksUri: issuer.jwksUri, cooldownMs: 5_000, now: () => clock });
    verifiers.push(verifier);
    await verifier.loadKeys();
    issuer.failJwks(true);
    try {
      clock += 5_001;
      const unknown = () => issuer.sign({ key: stranger, claims: { iat: Math.floor(clock / 1000) - 100 } });
      expect(await outcome(verifier, unknown())).toBe('JWKS_UNAVAILABLE'); // the fetch it triggered failed
      expect(await outcome(verifier, unknown())).toBe('JWKS_UNAVAILABLE'); // within the retry floor
      expect(await outcome(verifier, issuer.sign())).toBe('ACCEPTED'); // known keys keep working
      issuer.failJwks(false);
      clock += 1_001;
      expect(await outcome(verifier, unknown())).toBe('KEY_NOT_FOUND'); // the issuer answered: the key does not exist
    } finally {
      issuer.failJwks(false);
    }
  });
});
