import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface BenchIssuer {
  /** Issuer URL, also the `iss` of its tokens; JWKS at `${issuer}/.well-known/jwks.json`. */
  issuer: string;
  audience: string;
  jwksUri: string;
  publicKey: KeyObject;
  /** The public key as SPKI PEM, what a hand-rolled service pastes into its config. */
  publicPem: string;
  /** An RFC 9068 access token (RS256, typ at+jwt), valid for 15 minutes. */
  sign(sub?: string): string;
  close(): Promise<void>;
}

/** A minimal token issuer for the bench: one RSA-2048 key, a JWKS endpoint on loopback. */
export async function startBenchIssuer(audience = 'api'): Promise<BenchIssuer> {
  const kid = 'bench-key';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });
  const server = http.createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    audience,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign(sub = 'user-1') {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, sub, aud: audience, iat: now, exp: now + 900, jti: randomUUID(), client_id: 'first-party', scope: 'notes:read notes:write', roles: ['user'], username: 'alice' };
      return jwt.sign(claims, privateKey, { algorithm: 'RS256', header: { alg: 'RS256', typ: 'at+jwt', kid } });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
