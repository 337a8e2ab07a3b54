import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDpopProofVerifier, htuOf } from '../../../lib/verifier/dpop.js';
import * as hostile from '../../support/hostile-dpop.js';

const URL_ = 'https://api.example.test/api/notes';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A replay cache in memory with the contract's semantics. */
function memoryReplay() {
  const seen = new Map<string, number>();
  return {
    claimOnce(key: string, expiresAtSeconds: number) {
      if ((seen.get(key) ?? 0) > Date.now() / 1000) return false;
      seen.set(key, expiresAtSeconds);
      return true;
    },
  };
}

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
  alg: string;
}

async function key(alg: 'ES256' | 'RS256' | 'PS256' = 'ES256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk), alg };
}

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string | undefined;
  ath?: string | undefined;
  typ?: string;
  jwk?: JWK;
}

function proof(k: Key, options: ProofOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: options.htm ?? 'GET',
    htu: options.htu ?? URL_,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  if (!('jti' in options) || options.jti !== undefined) claims.jti = options.jti ?? randomUUID();
  if (!('ath' in options) || options.ath !== undefined) claims.ath = options.ath ?? ath(TOKEN);
  return new SignJWT(claims).setProtectedHeader({ alg: k.alg, typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? k.jwk }).sign(k.privateKey);
}

describe('DPoP proof verification (RFC 9449 §4.3)', () => {
  let es: Key;
  let rs: Key;
  let other: Key;
  let verify: ReturnType<typeof createDpopProofVerifier>;

  beforeAll(async () => {
    [es, rs, other] = await Promise.all([key('ES256'), key('RS256'), key('ES256')]);
    verify = createDpopProofVerifier({ replay: memoryReplay() });
  });

  const request = (p: string | string[] | undefined, extra: Partial<Parameters<typeof verify>[0]> = {}) =>
    verify({ proof: p, method: 'GET', url: URL_, accessToken: TOKEN, expectedJkt: es.jkt, ...extra });

  it('when an ES256 or RS256 proof names this request, then it passes and gives the key thumbprint', async () => {
    expect(await request(await proof(es))).toMatchObject({ jkt: es.jkt });
    expect(await request(await proof(rs), { expectedJkt: rs.jkt })).toMatchObject({ jkt: rs.jkt });
    // htu ignores the query and the fragment (§4.3 item 9), and compares scheme/host case-insensitively.
    expect(await request(await proof(es, { htu: 'HTTPS://API.example.test/api/notes' }), { url: `${URL_}?limit=5` })).toMatchObject({ jkt: es.jkt });
    expect(htuOf('https://a.test:443/x?y#z')).toBe('https://a.test/x');
  });

  it('when the proof is for the token endpoint (no access token yet), then ath is not required', async () => {
    expect(await verify({ proof: await proof(es, { ath: undefined, htm: 'POST' }), method: 'POST', url: URL_ })).toMatchObject({ jkt: es.jkt });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const rows: Array<[string, () => Promise<string | string[] | undefined>, string]> = [
    ['no proof', async () => undefined, 'DPOP_PROOF_INVALID'],
    ['two proofs', async () => [await proof(es), await proof(es)], 'DPOP_PROOF_INVALID'],
    ['a wrong method', () => proof(es, { htm: 'POST' }), 'DPOP_PROOF_INVALID'],
    ['a wrong URL', () => proof(es, { htu: 'https://api.example.test/api/reports' }), 'DPOP_PROOF_INVALID'],
    ['another host', () => proof(es, { htu: 'https://evil.test/api/notes' }), 'DPOP_PROOF_INVALID'],
    ['a stale iat', () => proof(es, { iat: now() - 600 }), 'DPOP_PROOF_INVALID'],
    ['an iat in the future', () => proof(es, { iat: now() + 600 }), 'DPOP_PROOF_INVALID'],
    ['no jti', () => proof(es, { jti: undefined }), 'DPOP_PROOF_INVALID'],
    ['no ath', () => proof(es, { ath: undefined }), 'DPOP_PROOF_INVALID'],
    ["another token's ath", () => proof(es, { ath: ath('other.token.value') }), 'DPOP_PROOF_INVALID'],
    ['typ JWT', () => proof(es, { typ: 'JWT' }), 'DPOP_PROOF_INVALID'],
    ['a key that is not the bound one', () => proof(other), 'DPOP_KEY_MISMATCH'],
    ['a header jwk that did not sign it', () => proof(other, { jwk: es.jwk }), 'DPOP_PROOF_INVALID'],
    [
      'alg none',
      async () => `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: es.jwk })}.${b64({ htm: 'GET', htu: URL_, iat: now(), jti: randomUUID(), ath: ath(TOKEN) })}.`,
      'DPOP_PROOF_INVALID',
    ],
    [
      'HS256 with the public key as the secret',
      () =>
        new SignJWT({ htm: 'GET', htu: URL_, iat: now(), jti: randomUUID(), ath: ath(TOKEN) })
          .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: es.jwk })
          .sign(new TextEncoder().encode(JSON.stringify(es.jwk))),
      'DPOP_PROOF_INVALID',
    ],
    [
      'a private key in the header',
      async () => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true });
        const privateJwk = await exportJWK(privateKey);
        return new SignJWT({ htm: 'GET', htu: URL_, iat: now(), jti: randomUUID(), ath: ath(TOKEN) }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk }).sign(privateKey);
      },
      'DPOP_PROOF_INVALID',
    ],
    ['garbage', async () => 'not-a-jwt', 'DPOP_PROOF_INVALID'],
    // Issue 22, point 6: refused from the header alone, before any signature work, never a TypeError.
    ['a 1024-bit RSA key', async () => hostile.rsa1024Proof({ htm: 'GET', htu: URL_, accessToken: TOKEN }), 'DPOP_PROOF_INVALID'],
    ['a 3072-bit key with a ~3000-bit exponent', async () => hostile.hugeExponentProof({ htm: 'GET', htu: URL_, accessToken: TOKEN }), 'DPOP_PROOF_INVALID'],
    ['an 8192-bit RSA key', async () => hostile.rsaModulusProof(8192, { htm: 'GET', htu: URL_, accessToken: TOKEN }), 'DPOP_PROOF_INVALID'],
    ['alg ES256 on a P-384 key', () => hostile.curveMismatchProof({ htm: 'GET', htu: URL_, accessToken: TOKEN }), 'DPOP_PROOF_INVALID'],
    ['a jti of 300 characters', () => proof(es, { jti: 'j'.repeat(300) }), 'DPOP_PROOF_INVALID'],
    ['a jti of 8 characters', () => proof(es, { jti: 'abcdefgh' }), 'DPOP_PROOF_INVALID'],
  ];

  it.each(rows)('when the proof has %s, then it is refused with %s', async (_label, make, code) => {
    await expect(request(await make())).rejects.toMatchObject({ code, status: 401 });
  });

  it('when a hostile or forged proof is refused, then no jti was claimed; a valid one claims exactly one', async () => {
    const claimed: string[] = [];
    const spy = createDpopProofVerifier({ replay: { claimOnce: (key) => (claimed.push(key), true) } });
    const ask = (p: string) => spy({ proof: p, method: 'GET', url: URL_, accessToken: TOKEN, expectedJkt: es.jkt });
    const [header, payload] = (await proof(es)).split('.');
    const refused = [hostile.hugeExponentProof({ htm: 'GET', htu: URL_, accessToken: TOKEN }), hostile.rsa1024Proof({ htm: 'GET', htu: URL_, accessToken: TOKEN }), `${header}.${payload}.${'A'.repeat(86)}`];
    for (const p of refused) await expect(ask(p)).rejects.toMatchObject({ code: 'DPOP_PROOF_INVALID' });
    expect(claimed).toEqual([]);
    await ask(await proof(es));
    expect(claimed).toHaveLength(1);
  });

  it('when a proof is checked unspent, then its jti is claimed only by spend(), once', async () => {
    const once = await proof(es);
    const checked = await verify.unspent({ proof: once, method: 'GET', url: URL_, accessToken: TOKEN, expectedJkt: es.jkt });
    expect(checked.jkt).toBe(es.jkt);
    // Not spent yet: checking it again passes.
    const again = await verify.unspent({ proof: once, method: 'GET', url: URL_, accessToken: TOKEN, expectedJkt: es.jkt });
    await checked.spend();
    await expect(again.spend()).rejects.toMatchObject({ code: 'DPOP_PROOF_REPLAYED' });
    await expect(request(once)).rejects.toMatchObject({ code: 'DPOP_PROOF_REPLAYED' });
  });

  it('when a proof is replayed, then the second use is refused with DPOP_PROOF_REPLAYED', async () => {
    const once = await proof(es);
    await request(once);
    await expect(request(once)).rejects.toMatchObject({ code: 'DPOP_PROOF_REPLAYED', status: 401, error: 'invalid_dpop_proof' });
  });
});
