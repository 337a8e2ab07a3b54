import { generateKeyPairSync, randomUUID, sign as rsaSign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

/** A signing key of the test issuer. */
export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateTestKey(kid: string, modulusLength = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { kid, privateKey, publicKey };
}

export function publicJwk(key: TestKey): Record<string, unknown> {
  return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, use: 'sig', alg: 'RS256' };
}

export interface SignOptions {
  /** Signing key; default the issuer's main key. */
  key?: TestKey;
  /** Header members added or replacing the defaults (alg RS256, typ at+jwt, kid). */
  header?: Record<string, unknown>;
  /** Claims added or replacing the defaults; `undefined` removes one. */
  claims?: Record<string, unknown>;
}

export interface TestIssuer {
  /** The issuer URL (its own HTTP server), also the `iss` of its tokens. */
  issuer: string;
  audience: string;
  jwksUri: string;
  mainKey: TestKey;
  /** How many times the JWKS was requested. */
  jwksHits(): number;
  /** Replaces the published key set. */
  publish(keys: Array<Record<string, unknown>>): void;
  /** Makes the JWKS endpoint answer 500 (true) or normally again. */
  failJwks(fail: boolean): void;
  sign(options?: SignOptions): string;
  /** A correctly signed token whose payload is `payload` as JSON, whatever it is (a string, an array...). */
  signRawPayload(payload: unknown): string;
  close(): Promise<void>;
}

/**
 * A tiny issuer for tests that must not depend on the auth service: RSA keys from node:crypto, a
 * real JWKS endpoint on port 0, tokens signed with jsonwebtoken in the RFC 9068 shape.
 */
export async function startTestIssuer(options: { audience?: string; extraKeys?: TestKey[] } = {}): Promise<TestIssuer> {
  const audience = options.audience ?? 'api';
  const mainKey = generateTestKey('main-key');
  let published = [mainKey, ...(options.extraKeys ?? [])].map(publicJwk);
  let hits = 0;
  let failing = false;
  const server = http.createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    hits++;
    if (failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    audience,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    mainKey,
    jwksHits: () => hits,
    publish: (keys) => {
      published = keys;
    },
    failJwks: (fail) => {
      failing = fail;
    },
    signRawPayload(payload) {
      // Not a product path: a test needs a well-signed JWS that jsonwebtoken.sign refuses to make.
      const input = `${b64url({ alg: 'RS256', typ: 'at+jwt', kid: mainKey.kid })}.${b64url(JSON.stringify(payload))}`;
      return `${input}.${rsaSign('sha256', Buffer.from(input), mainKey.privateKey).toString('base64url')}`;
    },
    sign({ key = mainKey, header = {}, claims = {} } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        sub: 'user-1',
        aud: audience,
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        client_id: 'first-party',
        scope: 'notes:read notes:write',
        roles: ['user'],
        username: 'alice',
        ...claims,
      };
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      return jwt.sign(payload, key.privateKey, {
        algorithm: 'RS256',
        header: { alg: 'RS256', typ: 'at+jwt', kid: key.kid, ...header } as jwt.JwtHeader,
        allowInsecureKeySizes: true,
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** base64url of a JSON value or raw string, for hand-made tokens. */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Replaces a signed token's header (keeping payload and signature), e.g. to smuggle `crit` or `jku`. */
export function withHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split('.');
  return `${b64url(header)}.${payload}.${signature}`;
}
