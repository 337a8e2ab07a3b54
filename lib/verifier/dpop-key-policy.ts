import type { JWK } from 'jose';

/** Asymmetric algorithms accepted for proofs (RFC 9449 §4.2: never `none`, never a MAC). */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/** JWK members that only a private (or symmetric) key has: a proof carrying one is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * RSA moduli accepted, in bits. Below 2048 is weak (jose refuses it too, with a TypeError); above
 * 4096 only makes each verification dearer. The public exponent must be 65537 (`AQAB`), what
 * every mainstream library generates: the cost of checking an RSA signature grows with the
 * exponent's length, and a ~3000-bit one made a random-signature proof cost ~50 times a real one.
 */
export const RSA_MODULUS_BITS = { min: 2048, max: 4096 } as const;
const RSA_EXPONENT_65537 = 'AQAB';

/** Each EC algorithm's one curve and its coordinate length in bytes (RFC 7518 §3.4, RFC 8037). */
const CURVES: Readonly<Record<string, { kty: 'EC' | 'OKP'; crv: string; bytes: number; y: boolean }>> = {
  ES256: { kty: 'EC', crv: 'P-256', bytes: 32, y: true },
  ES384: { kty: 'EC', crv: 'P-384', bytes: 48, y: true },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', bytes: 32, y: false },
};

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The length in bytes of a base64url member, or -1 when it is not one (decoding nothing). */
function base64urlBytes(value: unknown): number {
  if (typeof value !== 'string' || value === '' || value.length % 4 === 1 || !BASE64URL.test(value)) return -1;
  return Math.floor((value.length * 3) / 4);
}

/** Bits of a big-endian unsigned integer in base64url, leading zero bytes not counted. */
function bitLength(value: string): number {
  const bytes = Buffer.from(value, 'base64url');
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  if (first === bytes.length) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first]!));
}

/**
 * Whether `jwk` is a public key of the kind `alg` names, within the size limits, judged from the
 * header alone (no key import, no signature work): RSA 2048-4096 bits with e = 65537 for RS256
 * and PS256, P-256 for ES256, P-384 for ES384, Ed25519 for EdDSA; no private member. Checked
 * before the signature, so a weak, oversized or mislabelled key costs a few string compares.
 */
export function isAcceptableProofKey(alg: string, jwk: unknown): jwk is JWK {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return false;
  const key = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((member) => member in key)) return false;
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (alg === 'RS256' || alg === 'PS256') {
    if (key.kty !== 'RSA' || key.e !== RSA_EXPONENT_65537) return false;
    // Bounded before decoding: a 4096-bit modulus is 683 base64url characters.
    const bytes = base64urlBytes(key.n);
    if (bytes < RSA_MODULUS_BITS.min / 8 || bytes > RSA_MODULUS_BITS.max / 8 + 1) return false;
    const bits = bitLength(key.n as string);
    return bits >= RSA_MODULUS_BITS.min && bits <= RSA_MODULUS_BITS.max;
  }
  const curve = CURVES[alg];
  if (curve === undefined || key.kty !== curve.kty || key.crv !== curve.crv) return false;
  if (base64urlBytes(key.x) !== curve.bytes) return false;
  return curve.y ? base64urlBytes(key.y) === curve.bytes : key.y === undefined;
}
