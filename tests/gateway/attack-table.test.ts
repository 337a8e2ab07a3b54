import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_ERRORS, type TokenErrorCode } from '../../lib/verifier/index.js';
import { b64url, generateTestKey, publicJwk, withHeader, type TestKey } from '../lib/verifier/test-issuer.js';
import { startGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

let f: GatewayFixture;
let strangerKey: TestKey;
let smallKey: TestKey;

beforeAll(async () => {
  strangerKey = generateTestKey('stranger-key');
  smallKey = generateTestKey('small-key', 1024);
  f = await startGatewayFixture();
  f.issuer.publish([publicJwk(f.issuer.mainKey), publicJwk(smallKey)]);
});
afterAll(() => f.close());
beforeEach(() => {
  f.upstream.received.length = 0;
});

const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];
function replacePayload(token: string, payload: unknown): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(payload)}.${signature}`;
}
function hs256WithPublicKeyAsSecret(): string {
  const secret = f.issuer.mainKey.publicKey.export({ format: 'pem', type: 'spki' });
  const head = b64url({ alg: 'HS256', typ: 'at+jwt', kid: f.issuer.mainKey.kid });
  const body = b64url({ iss: f.issuer.issuer, sub: 'attacker', aud: 'api', exp: now() + 300, iat: now(), jti: 'j', client_id: 'c', scope: 'notes:read' });
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}
function unsigned(alg: string): string {
  const body = b64url({ iss: f.issuer.issuer, sub: 'attacker', aud: 'api', exp: now() + 300, iat: now(), jti: 'j', client_id: 'c', scope: 'notes:read' });
  return `${b64url({ alg, typ: 'at+jwt', kid: 'main-key' })}.${body}.`;
}

interface Row {
  name: string;
  headers: () => Array<[string, string]>;
  code: TokenErrorCode;
}

const rows: Row[] = [
  { name: 'no token', headers: () => [], code: 'TOKEN_MISSING' },
  { name: 'another scheme (Basic)', headers: () => [['Authorization', 'Basic dXNlcjpwYXNz']], code: 'TOKEN_MISSING' },
  { name: 'alg none, empty signature', headers: () => bearer(unsigned('none')), code: 'TOKEN_MALFORMED' },
  { name: 'alg none with a copied signature', headers: () => bearer(withHeader(f.issuer.sign(), { alg: 'none', typ: 'at+jwt', kid: 'main-key' })), code: 'TOKEN_ALGORITHM_INVALID' },
  { name: 'alg NONE', headers: () => bearer(withHeader(f.issuer.sign(), { alg: 'NONE', typ: 'at+jwt', kid: 'main-key' })), code: 'TOKEN_ALGORITHM_INVALID' },
  { name: 'alg nOnE', headers: () => bearer(withHeader(f.issuer.sign(), { alg: 'nOnE', typ: 'at+jwt', kid: 'main-key' })), code: 'TOKEN_ALGORITHM_INVALID' },
  { name: 'HS256 signed with the RSA public key as secret', headers: () => bearer(hs256WithPublicKeyAsSecret()), code: 'TOKEN_ALGORITHM_INVALID' },
  { name: 'unknown kid', headers: () => bearer(f.issuer.sign({ key: strangerKey })), code: 'KEY_NOT_FOUND' },
  { name: 'kid with path traversal', headers: () => bearer(f.issuer.sign({ header: { kid: '../../../../etc/passwd' } })), code: 'KEY_ID_INVALID' },
  { name: 'kid with encoded traversal', headers: () => bearer(f.issuer.sign({ header: { kid: '..%2F..%2Fkeys' } })), code: 'KEY_ID_INVALID' },
  { name: 'jku to a local listener', headers: () => bearer(f.issuer.sign({ key: strangerKey, header: { jku: `${f.jkuListener.url}/jwks.json` } })), code: 'KEY_NOT_FOUND' },
  { name: 'x5u to a local listener', headers: () => bearer(f.issuer.sign({ key: strangerKey, header: { x5u: `${f.jkuListener.url}/cert.pem` } })), code: 'KEY_NOT_FOUND' },
  { name: 'embedded jwk with its own kid', headers: () => bearer(f.issuer.sign({ key: strangerKey, header: { jwk: publicJwk(strangerKey) } })), code: 'KEY_NOT_FOUND' },
  { name: 'embedded jwk and no kid', headers: () => bearer(f.issuer.sign({ key: strangerKey, header: { kid: undefined, jwk: publicJwk(strangerKey) } })), code: 'KEY_ID_INVALID' },
  { name: 'embedded jwk claiming the real kid', headers: () => bearer(f.issuer.sign({ key: strangerKey, header: { kid: 'main-key', jwk: { ...publicJwk(strangerKey), kid: 'main-key' } } })), code: 'TOKEN_SIGNATURE_INVALID' },
  { name: 'crit header', headers: () => bearer(f.issuer.sign({ header: { crit: ['b64'], b64: false } })), code: 'TOKEN_CRIT_UNSUPPORTED' },
  { name: 'typ JWT', headers: () => bearer(f.issuer.sign({ header: { typ: 'JWT' } })), code: 'TOKEN_TYPE_INVALID' },
  { name: 'expired', headers: () => bearer(f.issuer.sign({ claims: { exp: now() - 60, iat: now() - 900 } })), code: 'TOKEN_EXPIRED' },
  { name: 'nbf in the future', headers: () => bearer(f.issuer.sign({ claims: { nbf: now() + 120 } })), code: 'TOKEN_NOT_YET_VALID' },
  { name: 'wrong iss', headers: () => bearer(f.issuer.sign({ claims: { iss: 'http://evil.example' } })), code: 'TOKEN_ISSUER_INVALID' },
  { name: 'wrong aud', headers: () => bearer(f.issuer.sign({ claims: { aud: 'billing' } })), code: 'TOKEN_AUDIENCE_INVALID' },
  { name: 'missing sub', headers: () => bearer(f.issuer.sign({ claims: { sub: undefined } })), code: 'TOKEN_CLAIMS_INVALID' },
  { name: 'signed payload not an object', headers: () => bearer(f.issuer.signRawPayload('hello')), code: 'TOKEN_MALFORMED' },
  { name: 'signed payload a JSON number', headers: () => bearer(f.issuer.signRawPayload(42)), code: 'TOKEN_MALFORMED' },
  // The signature covers the payload bytes, so a swapped one fails there, before its shape is read.
  { name: 'swapped payload a JSON number', headers: () => bearer(replacePayload(f.issuer.sign(), '42')), code: 'TOKEN_SIGNATURE_INVALID' },
  { name: 'truncated signature', headers: () => bearer(f.issuer.sign().slice(0, -12)), code: 'TOKEN_SIGNATURE_INVALID' },
  { name: 'altered signature', headers: () => bearer(((t) => `${t.slice(0, -2)}${t.endsWith('AA') ? 'BA' : 'AA'}`)(f.issuer.sign())), code: 'TOKEN_SIGNATURE_INVALID' },
  { name: 'altered payload (sub swapped)', headers: () => bearer(replacePayload(f.issuer.sign(), { ...JSON.parse(Buffer.from(f.issuer.sign().split('.')[1]!, 'base64url').toString()), sub: 'admin' })), code: 'TOKEN_SIGNATURE_INVALID' },
  { name: 'non-base64url characters (b64token + and /)', headers: () => bearer(f.issuer.sign().replace('.', '.+/')), code: 'TOKEN_MALFORMED' },
  { name: 'non-token characters (!, %)', headers: () => bearer(f.issuer.sign().replace('.', '.!%')), code: 'TOKEN_MALFORMED' },
  { name: 'token signed by a 1024-bit key', headers: () => bearer(f.issuer.sign({ key: smallKey })), code: 'KEY_TOO_SMALL' },
  { name: 'a 20 KB Authorization header', headers: () => bearer(`${f.issuer.sign()}${'A'.repeat(20 * 1024)}`), code: 'TOKEN_TOO_LARGE' },
  { name: 'Bearer with no token', headers: () => [['Authorization', 'Bearer']], code: 'AUTHORIZATION_INVALID' },
  { name: 'Bearer and spaces, no token', headers: () => [['Authorization', 'Bearer    ']], code: 'AUTHORIZATION_INVALID' },
  { name: 'two Authorization headers', headers: () => [['Authorization', `Bearer ${f.issuer.sign()}`], ['Authorization', `Bearer ${f.issuer.sign()}`]], code: 'AUTHORIZATION_INVALID' },
  { name: 'a valid token and a second Authorization header', headers: () => [['Authorization', `Bearer ${f.issuer.sign()}`], ['authorization', 'Basic dXNlcjpwYXNz']], code: 'AUTHORIZATION_INVALID' },
];

function expectedChallenge(code: TokenErrorCode): string {
  if (code === 'TOKEN_MISSING') return 'Bearer realm="gateway"';
  const { error, description } = TOKEN_ERRORS[code];
  return `Bearer realm="gateway", error="${error}", error_description="${description}"`;
}

describe('gateway attack table (GET /api/notes, auth required)', () => {
  it.each(rows.map((row) => [row.name, row] as const))('when the request has %s, then it is refused and nothing reaches upstream', async (_name, row) => {
    const res = await send(f.gateway.url, { path: '/api/notes', headers: [...row.headers(), ['X-Auth-Subject', 'spoofed']] });
    const expected = TOKEN_ERRORS[row.code];
    expect(res.status).toBe(expected.status);
    expect(res.headers['www-authenticate']).toBe(expectedChallenge(row.code));
    expect(res.json()).toEqual({ error: expected.error, error_description: expected.description });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(f.upstream.received).toEqual([]);
  });

  it('when tokens carry jku and x5u, then the listener they point at receives zero requests', () => {
    // Runs after the table (vitest keeps declaration order within a file).
    expect(f.jkuListener.hits()).toBe(0);
  });

  it('when the scope for the method is missing, then 403 insufficient_scope with scope=, and upstream sees nothing', async () => {
    const res = await send(f.gateway.url, { method: 'POST', path: '/api/notes', headers: [...bearer(f.issuer.sign({ claims: { scope: 'notes:read' } })), ['Content-Type', 'application/json']], body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gateway", error="insufficient_scope", error_description="the access token lacks a required scope", scope="notes:write"');
    expect(res.json()).toEqual({ error: 'insufficient_scope', error_description: 'the access token lacks a required scope' });
    expect(f.upstream.received).toEqual([]);
  });

  it('when the route needs a role the token lacks, then 403 and upstream sees nothing', async () => {
    const res = await send(f.gateway.url, { path: '/admin/x', headers: bearer(f.issuer.sign()) });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(f.upstream.received).toEqual([]);
  });
});

// Spellings a CGI-style upstream (WSGI, PHP, Rack) reads as its HTTP_X_AUTH_* variables.
const spoofedIdentityHeaders: Array<[string, string]> = [
  ['X_Auth_Subject', 'admin'],
  ['x_auth_subject', 'admin'],
  ['X-Auth_Roles', 'admin'],
  ['X_Auth-Scope', 'everything'],
  ['X_AUTH_CLIENT_ID', 'trusted'],
  ['X-AUTH-ROLES', 'admin'],
  ['x_auth_anything', 'x'],
];
/** The header name as a CGI-style framework sees it: `_` and `-` are one. */
const cgiName = (name: string) => name.toLowerCase().replaceAll('_', '-');

describe('gateway attack table: spoofed identity headers (any spelling) never reach upstream', () => {
  it.each(spoofedIdentityHeaders)('when a public route gets %s, then upstream sees no x-auth-* header in any spelling', async (name, value) => {
    const res = await send(f.gateway.url, { path: '/public/hello', headers: [[name, value]] });
    expect(res.status).toBe(200);
    const names = Object.keys(f.upstream.received[0]?.headers ?? {});
    expect(names.filter((seen) => cgiName(seen).startsWith('x-auth-'))).toEqual([]);
  });

  it.each(spoofedIdentityHeaders)('when an authenticated request adds %s, then upstream sees only the gateway-set identity', async (name, value) => {
    const res = await send(f.gateway.url, { path: '/api/notes', headers: [...bearer(f.issuer.sign({ claims: { sub: 'user-1', client_id: 'web', scope: 'notes:read', roles: ['user'] } })), [name, value]] });
    expect(res.status).toBe(200);
    const headers = f.upstream.received[0]?.headers ?? {};
    const identity = Object.entries(headers).filter(([seen]) => cgiName(seen).startsWith('x-auth-'));
    expect(Object.fromEntries(identity)).toEqual({ 'x-auth-subject': 'user-1', 'x-auth-client-id': 'web', 'x-auth-scope': 'notes:read', 'x-auth-roles': 'user' });
  });
});

describe('gateway attack table: path escapes are refused with 400 and upstream sees nothing', () => {
  // Each of these is a path some upstream resolves to another place than the one we routed:
  // `;` params dropped (Tomcat/Jetty), %2F/%5C decoded before splitting, `\` read as `/`.
  it.each([
    '/public/..;/api/notes',
    '/public/..;/admin/x',
    '/public/..;x',
    '/public/.;/x',
    '/public/%2e%2e;/admin',
    '/public/.%3b/x',
    '/public/..%2fadmin/x',
    '/public/..%2Fadmin/x',
    '/public/a%2fb',
    '/public/a%2Fb',
    '/public/..%5cadmin',
    '/public/a%5Cb',
    '/public/a%5cb',
    '/public/a\\b',
    '/public/..\\admin',
    '/optional/..;/admin/x',
  ])('when the path is %s, then 400 PATH_INVALID', async (path) => {
    const res = await send(f.gateway.url, { path, headers: [['X-Auth-Subject', 'spoofed']] });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error_description: 'the request path is not valid' });
    expect(f.upstream.received).toEqual([]);
  });

  it('when a path escape comes with a valid token on a protected route, then it is still refused', async () => {
    const res = await send(f.gateway.url, { path: '/api/notes/..;/..;/admin/x', headers: bearer(f.issuer.sign({ claims: { roles: ['user'] } })) });
    expect(res.status).toBe(400);
    expect(f.upstream.received).toEqual([]);
  });
});

describe('gateway acceptances', () => {
  it('when the token is valid, then upstream gets the original Authorization and the gateway identity headers, not the spoofed ones', async () => {
    const token = f.issuer.sign({ claims: { sub: 'user-9', client_id: 'web', scope: 'notes:read', roles: ['user', 'editor'] } });
    const res = await send(f.gateway.url, {
      path: '/api/notes?limit=5',
      headers: [...bearer(token), ['X-Auth-Subject', 'admin'], ['X-Auth-Roles', 'admin'], ['X-Auth-Whatever', 'x']],
    });
    expect(res.status).toBe(200);
    const [seen] = f.upstream.received;
    expect(seen?.url).toBe('/notes?limit=5');
    expect(seen?.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'x-auth-subject': 'user-9',
      'x-auth-client-id': 'web',
      'x-auth-scope': 'notes:read',
      'x-auth-roles': 'user,editor',
    });
    expect(seen?.headers['x-auth-whatever']).toBeUndefined();
  });

  it('when a public route gets spoofed X-Auth-* headers, then upstream sees none of them', async () => {
    const res = await send(f.gateway.url, { path: '/public/hello', headers: [['X-Auth-Subject', 'admin'], ['x-auth-scope', 'everything'], ['X-AUTH-ROLES', 'admin']] });
    expect(res.status).toBe(200);
    const [seen] = f.upstream.received;
    expect(Object.keys(seen?.headers ?? {}).filter((name) => name.startsWith('x-auth-'))).toEqual([]);
  });

  it('when a route is optional, then no token passes without identity and a bad token is refused', async () => {
    expect((await send(f.gateway.url, { path: '/optional/a', headers: [['X-Auth-Subject', 'admin']] })).status).toBe(200);
    expect(f.upstream.received[0]?.headers['x-auth-subject']).toBeUndefined();
    expect((await send(f.gateway.url, { path: '/optional/a', headers: bearer('not.a.token') })).status).toBe(401);
    expect(f.upstream.received).toHaveLength(1);
    expect((await send(f.gateway.url, { path: '/optional/a', headers: bearer(f.issuer.sign({ claims: { sub: 'opt-user' } })) })).status).toBe(200);
    expect(f.upstream.received[1]?.headers['x-auth-subject']).toBe('opt-user');
  });

  it('when the role is held, then the request passes', async () => {
    expect((await send(f.gateway.url, { path: '/admin/x', headers: bearer(f.issuer.sign({ claims: { roles: ['admin'] } })) })).status).toBe(200);
  });

  it('never writes a token to the log', () => {
    const tokenLike = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;
    expect(f.logs.join('')).not.toMatch(tokenLike);
    expect(f.logs.some((line) => line.includes('"msg":"request"'))).toBe(true);
  });
});
