import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import type { PublicJwk } from './client-store.js';
import { TOKEN_EXCHANGE_GRANT } from './client-store.js';

/**
 * One schema per client metadata field, with one message per fault, shared by everything that
 * accepts client metadata: the clients file and the admin API.
 */

/** Safe in a URL path, a Basic header (no ':') and an X-Auth-Client-Id header. */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit');

/** RFC 6749 §3.3 scope-token. */
export const scopeTokenSchema = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token: printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)');

export const audienceSchema = z.string().regex(/^[\x21-\x7E]{1,512}$/, 'must be 1-512 printable ASCII characters without spaces');
export const grantTypeSchema = z.enum(['client_credentials', 'refresh_token', 'authorization_code', TOKEN_EXCHANGE_GRANT]);
export const authMethodSchema = z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Signature algorithms a client key may declare, with the key type and curve each needs. */
const ALG_KEY = {
  RS256: 'RSA',
  RS384: 'RSA',
  RS512: 'RSA',
  PS256: 'RSA',
  PS384: 'RSA',
  PS512: 'RSA',
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
  EdDSA: 'OKP',
} as const;
const CURVES = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519', 'Ed448'] } as const;
const MIN_RSA_BITS = 2048;

/**
 * A public signing key for private_key_jwt. Private members are refused rather than dropped: a
 * file that carries one has leaked the key, and the operator must know.
 */
export const publicJwkSchema = z
  .unknown()
  // First, so a leaked private or symmetric key is named as such whatever else is wrong with it.
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null) return;
    const present = PRIVATE_JWK_MEMBERS.filter((member) => member in value);
    if (present.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [present[0]!],
        message: `private key member${present.length > 1 ? 's' : ''} ${present.join(', ')} must not be here: register only the public key`,
      });
    }
  })
  .pipe(publicJwkShape());

function publicJwkShape() {
  return z
    .looseObject({
      kty: z.enum(['RSA', 'EC', 'OKP'], { error: 'must be RSA, EC or OKP (an asymmetric signing key)' }),
      kid: z.string().min(1).max(256).optional(),
      use: z.literal('sig', { error: 'must be "sig"' }).optional(),
      alg: z.enum(Object.keys(ALG_KEY) as [keyof typeof ALG_KEY], { error: `must be one of ${Object.keys(ALG_KEY).join(', ')}` }).optional(),
      key_ops: z.array(z.literal('verify', { error: 'must be "verify"' })).optional(),
      n: z.string().optional(),
      e: z.string().optional(),
      crv: z.string().optional(),
      x: z.string().optional(),
      y: z.string().optional(),
    })
    .superRefine((jwk, ctx) => {
      const problem = publicKeyProblem(jwk);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((jwk): PublicJwk => {
      const out: PublicJwk = { kty: jwk.kty };
      for (const member of ['kid', 'use', 'alg', 'n', 'e', 'crv', 'x', 'y'] as const) {
        const value = jwk[member];
        if (value !== undefined) out[member] = value;
      }
      if (jwk.key_ops) out.key_ops = [...jwk.key_ops];
      return out;
    });
}

/** Why a JWK is not a usable public verification key, or null. Node parses it as the verifier will. */
function publicKeyProblem(jwk: { kty: 'RSA' | 'EC' | 'OKP'; alg?: keyof typeof ALG_KEY | undefined; crv?: string | undefined }): string | null {
  if (jwk.kty !== 'RSA' && !(CURVES[jwk.kty] as readonly string[]).includes(jwk.crv ?? '')) {
    return `crv must be one of ${CURVES[jwk.kty].join(', ')} for a ${jwk.kty} signing key`;
  }
  if (jwk.alg) {
    const needs = ALG_KEY[jwk.alg];
    const has = jwk.kty === 'EC' ? jwk.crv : jwk.kty;
    if (needs !== has) return `alg ${jwk.alg} does not fit a ${jwk.kty}${jwk.kty === 'EC' ? ` ${jwk.crv}` : ''} key`;
  }
  let key;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return `is not a valid ${jwk.kty} public key`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (jwk.kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS)) return `RSA key must have at least ${MIN_RSA_BITS} bits`;
  return null;
}

export const publicJwksSchema = z
  .strictObject({ keys: z.array(publicJwkSchema).min(1, 'must hold at least one key') })
  .superRefine((jwks, ctx) => {
    const seen = new Map<string, number>();
    jwks.keys.forEach((key, index) => {
      if (key.kid === undefined) {
        if (jwks.keys.length > 1) ctx.addIssue({ code: 'custom', path: ['keys', index, 'kid'], message: 'is required when there is more than one key' });
        return;
      }
      const earlier = seen.get(key.kid);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['keys', index, 'kid'], message: `duplicates keys[${earlier}].kid` });
      else seen.set(key.kid, index);
    });
  });

/** A list whose entries must not repeat; a repeat is named by its index. */
export function uniqueList<T extends z.ZodType<string>>(item: T) {
  return z.array(item).superRefine((values, ctx) => {
    values.forEach((value, index) => {
      const first = values.indexOf(value);
      if (first !== index) ctx.addIssue({ code: 'custom', path: [index], message: `repeats entry [${first}]` });
    });
  });
}


/** RFC 7591 §2 `scope`: space-separated scope tokens, parsed into the list the stores keep. */
export const scopeStringSchema = z
  .string()
  .transform((value) => value.split(' ').filter((token) => token !== ''))
  .pipe(uniqueList(scopeTokenSchema).min(1, 'must name at least one scope'));

export const clientNameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:']);

/**
 * A redirect URI a code (or a logout) may be sent to, compared later by exact string match
 * (RFC 9700 §2.1). https anywhere; http only to a loopback host (a developer's machine, RFC 8252
 * §7.3); a private-use scheme with a dot for native apps (RFC 8252 §7.1). Never a fragment
 * (RFC 6749 §3.1.2), never userinfo.
 */
export const redirectUriSchema = z.string().superRefine((value, ctx) => {
  const problem = redirectUriProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

function redirectUriProblem(value: string): string | null {
  if (value.length > 2000) return 'must be at most 2000 characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URI';
  }
  if (value.includes('#')) return 'must not contain a fragment (#)';
  if (url.username !== '' || url.password !== '') return 'must not contain user information';
  if (DANGEROUS_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname) ? null : 'must use https (http is allowed only for localhost and loopback addresses)';
  return url.protocol.includes('.') ? null : 'must use https, http on loopback, or a private-use scheme such as com.example.app: (RFC 8252)';
}

/**
 * OIDC Back-Channel Logout 1.0 §2.2 `backchannel_logout_uri`: where logout tokens are POSTed,
 * server to server. https, or http to a loopback host in development (as for redirect URIs);
 * absolute, no fragment, no user information, no other scheme (it is fetched, not navigated to).
 */
export const backchannelLogoutUriSchema = z.string().superRefine((value, ctx) => {
  const problem = redirectUriProblem(value) ?? (/^https?:/i.test(value) ? null : 'must use https (http is allowed only for localhost and loopback addresses)');
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** `token_exchange` (RFC 8693 allowance): the audiences and scopes a client may obtain on a user's behalf. */
export const tokenExchangeSchema = z.strictObject({
  audiences: uniqueList(audienceSchema).min(1, 'must list at least one audience'),
  scopes: uniqueList(scopeTokenSchema).min(1, 'must list at least one scope'),
});
