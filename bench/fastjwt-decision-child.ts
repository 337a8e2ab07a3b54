import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier } from 'fast-jwt';
import { childArgs, serveParent } from './child-ipc.js';

/**
 * The peer of the decision port (issue 27): the auth_request endpoint a team would write in Node
 * next to its nginx. node:http, fast-jwt with its verification cache (issuer, audience, exp,
 * RS256 with the public key pasted in: no JWKS, no revocation, no DPoP, no route table), the
 * `notes:read` scope on GET, and on a 200 the identity the gateway's answer carries for nginx to
 * copy upstream (subject, client, scope; roles and actor are empty for these tokens, so the
 * gateway's add nothing nginx passes on): the same answer with less work, never more.
 */
const { issuer, audience, publicPem } = childArgs<{ issuer: string; audience: string; publicPem: string }>();
const verify = createVerifier({ key: publicPem, algorithms: ['RS256'], allowedIss: issuer, allowedAud: audience, cache: 2_000 });

const server = http.createServer((req, res) => {
  const header = req.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) return void res.writeHead(401, { 'content-length': '0' }).end();
  let claims: { sub?: string; scope?: string; client_id?: string };
  try {
    claims = verify(header.slice(7)) as { sub?: string; scope?: string; client_id?: string };
  } catch {
    return void res.writeHead(401, { 'content-length': '0' }).end();
  }
  if (req.headers['x-original-method'] === 'GET' && !(claims.scope ?? '').split(' ').includes('notes:read')) return void res.writeHead(403, { 'content-length': '0' }).end();
  res.writeHead(200, { 'content-length': '0', 'x-auth-subject': claims.sub ?? '', 'x-auth-client-id': claims.client_id ?? '', 'x-auth-scope': claims.scope ?? '' }).end();
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => serveParent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
