import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK, type JWK } from 'jose';
import { Argon2PasswordHasher } from '../../../services/auth/adapters/passwords/argon2-password-hasher.js';
import type { ClientConfig, ClientStore, PublicJwks } from '../../../services/auth/domain/clients/client-store.js';
import type { JsonResponse } from './http-client.js';

/** RFC 6749 §2.3.1: form-urlencode id and secret, then Basic. */
export function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** POSTs a form (or a raw body) and reads the JSON answer. */
export async function postForm<T = Record<string, any>>(
  baseUrl: string,
  path: string,
  form: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

const hasher = new Argon2PasswordHasher();

/** A secret long enough for the clients file rules. */
export const newSecret = () => `s3cret-${randomUUID()}-${randomUUID()}`;

/** Registers a confidential client with a secret straight in the store. */
export async function addSecretClient(
  store: ClientStore,
  clientId: string,
  secret: string,
  extra: Partial<ClientConfig> = {},
): Promise<void> {
  await store.create({
    clientId,
    secretHash: await hasher.hash(secret),
    tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
    scopes: ['notes:read', 'notes:write'],
    audiences: [],
    grantTypes: ['client_credentials'],
    ...extra,
  });
}

/** A signing key pair for private_key_jwt, with its public JWK as a client would register it. */
export async function assertionKey(kind: 'RS256' | 'PS256' | 'ES256' = 'RS256', kid = randomUUID()) {
  const pair =
    kind === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: kind, use: 'sig' } as JWK;
  return { kid, alg: kind, privateKey: pair.privateKey, jwks: { keys: [jwk] } as unknown as PublicJwks };
}

export interface AssertionOptions {
  alg?: string;
  kid?: string;
  aud?: string;
  iss?: string;
  sub?: string;
  /** Seconds from now. */
  expiresIn?: number;
  jti?: string;
  noExp?: boolean;
}

/** Signs an RFC 7523 client assertion. */
export async function signAssertion(privateKey: KeyObject, clientId: string, aud: string, options: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ jti: options.jti ?? randomUUID() })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuer(options.iss ?? clientId)
    .setSubject(options.sub ?? clientId)
    .setAudience(options.aud ?? aud)
    .setIssuedAt(now);
  if (!options.noExp) jwt.setExpirationTime(now + (options.expiresIn ?? 60));
  return jwt.sign(privateKey);
}

/** An unsigned `alg: none` assertion, the classic downgrade attempt. */
export function unsignedAssertion(clientId: string, aud: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ iss: clientId, sub: clientId, aud, exp: now + 60, iat: now, jti: randomUUID() })}.`;
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
