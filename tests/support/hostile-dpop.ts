import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * DPoP proofs an attacker would send (issue 22, point 6), built by hand where jose refuses to sign
 * them: a 1024-bit RSA key, a 3072-bit modulus with a ~3000-bit public exponent and a random
 * signature (costly to check, never valid), a private key in the header, a wrong `typ`, `alg`
 * none and HS256. Shared by the verifier, auth and gateway tests and by bench/dpop-hostile.ts.
 */
export interface ProofClaims {
  htm: string;
  htu: string;
  /** The access token sent beside the proof (resource requests): sets `ath`. */
  accessToken?: string;
  iat?: number;
  jti?: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claimsOf({ htm, htu, accessToken, iat = Math.floor(Date.now() / 1000), jti = randomUUID() }: ProofClaims): Record<string, unknown> {
  return { htm, htu, iat, jti, ...(accessToken === undefined ? {} : { ath: createHash('sha256').update(accessToken).digest('base64url') }) };
}

/** A compact JWS over `header` and `claims` with `signature` (bytes or a signer of the signing input). */
function compact(header: Record<string, unknown>, claims: ProofClaims, signature: Buffer | ((input: string) => Buffer)): string {
  const input = `${b64(header)}.${b64(claimsOf(claims))}`;
  const bytes = typeof signature === 'function' ? signature(input) : signature;
  return `${input}.${bytes.toString('base64url')}`;
}

let rsa1024: { privateKey: KeyObject; jwk: JWK } | undefined;
/** A proof really signed (RS256) by a 1024-bit RSA key: jose refuses the key with a TypeError. */
export function rsa1024Proof(claims: ProofClaims): string {
  if (rsa1024 === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    rsa1024 = { privateKey, jwk: publicKey.export({ format: 'jwk' }) as JWK };
  }
  const { privateKey, jwk } = rsa1024;
  return compact({ alg: 'RS256', typ: 'dpop+jwt', jwk: { kty: 'RSA', n: jwk.n, e: jwk.e } }, claims, (input) => sign('sha256', Buffer.from(input), privateKey));
}

/** A big-endian byte string of `bits` bits with the top and bottom bits set (odd, full length). */
function oddNumberOf(bits: number): Buffer {
  const bytes = randomBytes(Math.ceil(bits / 8));
  bytes[0]! |= 0x80;
  bytes[bytes.length - 1]! |= 1;
  return bytes;
}

/**
 * A 3072-bit modulus with a ~3000-bit public exponent and a random signature: RSA verification
 * costs one modular exponentiation by `e`, so this is ~50 times the work of e = 65537, and it
 * never verifies (so, before the fix, its jti was never spent and it could be sent forever).
 */
export function hugeExponentProof(claims: ProofClaims): string {
  const jwk = { kty: 'RSA', n: oddNumberOf(3072).toString('base64url'), e: oddNumberOf(3000).toString('base64url') };
  return compact({ alg: 'RS256', typ: 'dpop+jwt', jwk }, claims, signatureBelowModulus(384));
}

/** Random signature bytes smaller than any full-length modulus, so the exponentiation really runs. */
function signatureBelowModulus(length: number): Buffer {
  const bytes = randomBytes(length);
  bytes[0]! &= 0x3f;
  return bytes;
}

/** An RSA public key of `bits` bits with e = 65537 and a random signature (key size limits). */
export function rsaModulusProof(bits: number, claims: ProofClaims): string {
  const jwk = { kty: 'RSA', n: oddNumberOf(bits).toString('base64url'), e: 'AQAB' };
  return compact({ alg: 'RS256', typ: 'dpop+jwt', jwk }, claims, signatureBelowModulus(Math.ceil(bits / 8)));
}

/** A proof whose header jwk is the signer's private key (with `d`). */
export async function privateKeyProof(claims: ProofClaims): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return new SignJWT(claimsOf(claims)).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(privateKey) }).sign(privateKey);
}

/** A well-signed ES256 proof whose header says `typ: JWT`. */
export async function wrongTypProof(claims: ProofClaims): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return new SignJWT(claimsOf(claims)).setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: await exportJWK(publicKey) }).sign(privateKey);
}

/** An unsigned proof (`alg: none`) carrying a public key. */
export async function algNoneProof(claims: ProofClaims): Promise<string> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })}.${b64(claimsOf(claims))}.`;
}

/** A MAC "proof" (HS256) keyed with the header's public key as the secret. */
export async function hs256Proof(claims: ProofClaims): Promise<string> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return new SignJWT(claimsOf(claims)).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk }).sign(new TextEncoder().encode(JSON.stringify(jwk)));
}

/** A valid ES256 key used for a P-384 header claim mismatch: alg ES256 with a P-384 key. */
export async function curveMismatchProof(claims: ProofClaims): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = await exportJWK(publicKey);
  // Signed with ES384 but labelled ES256: the curve must match the algorithm.
  const signed = await new SignJWT(claimsOf(claims)).setProtectedHeader({ alg: 'ES384', typ: 'dpop+jwt', jwk }).sign(privateKey);
  const [, payload, signature] = signed.split('.');
  return `${b64({ alg: 'ES256', typ: 'dpop+jwt', jwk })}.${payload}.${signature}`;
}
