import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadRoutesFile, parseRoutes } from '../../lib/edge/route-config.js';
import { createRouteTable } from '../../lib/edge/route-table.js';

const base = { prefix: '/api/x', upstream: 'http://127.0.0.1:1', auth: 'required' };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('GATEWAY_ROUTES');
    return (err as Error).message;
  }
  return 'ACCEPTED';
}

describe('routes file', () => {
  it('when the default gateway/routes.yaml is loaded, then auth paths pass through and notes is stripped of /api', async () => {
    const routes = await loadRoutesFile('gateway/routes.yaml', { AUTH_URL: 'http://auth:4000', NOTES_URL: 'http://notes:4001' });
    const find = createRouteTable(routes, (route) => route.prefix);
    expect(find('/auth/login')).toMatchObject({ auth: 'none', stripPrefix: '' });
    expect(find('/auth/login')?.upstream.href).toBe('http://auth:4000/');
    expect(find('/.well-known/jwks.json')?.auth).toBe('none');
    expect(find('/oauth/token')?.auth).toBe('none');
    expect(find('/account/reset-password')).toMatchObject({ auth: 'none', stripPrefix: '' });
    expect(find('/account/reset-password')?.upstream.href).toBe('http://auth:4000/');
    expect(find('/api/notes/1')).toMatchObject({ auth: 'required', stripPrefix: '/api', scopes: { GET: ['notes:read'], POST: ['notes:write'] } });
    expect(find('/api/notes/1')?.upstream.href).toBe('http://notes:4001/');
    expect(find('/api/reports/summary')?.upstream.href).toBe('http://127.0.0.1:4002/');
    expect(find('/admin/clients')).toBeUndefined();
  });

  it.each([
    ['no routes', { routes: [] }, 'routes: must list at least one route'],
    ['bad auth', { routes: [{ ...base, auth: 'maybe' }] }, 'route 0 (/api/x): auth: must be required, optional or none'],
    ['prefix with trailing slash', { routes: [{ ...base, prefix: '/api/' }] }, 'route 0 (/api/): prefix: must start with /'],
    ['unknown field', { routes: [{ ...base, upstreams: 'x' }] }, 'route 0 (/api/x)'],
    ['bad method key', { routes: [{ ...base, scopes: { FETCH: ['a'] } }] }, 'route 0 (/api/x): scopes'],
    ['scopes on a public route', { routes: [{ ...base, auth: 'none', scopes: { GET: ['a'] } }] }, 'route 0 (/api/x): scopes and roles need auth: required'],
    ['non-http upstream', { routes: [base, { ...base, prefix: '/b', upstream: 'ftp://x' }] }, 'route 1 (/b): upstream must be an http(s) URL'],
    ['unset variable', { routes: [{ ...base, upstream: '${NOPE_URL}' }] }, 'route 0 (/api/x): upstream uses ${NOPE_URL} but NOPE_URL is not set'],
    ['strip not a prefix', { routes: [{ ...base, stripPrefix: '/ap' }] }, 'route 0 (/api/x): stripPrefix must be a leading part'],
    ['duplicate prefix', { routes: [base, base] }, 'route 1 (/api/x): prefix is listed twice'],
    ['timeout too long', { routes: [{ ...base, timeoutMs: 10_000_000 }] }, 'route 0 (/api/x): timeoutMs: must be at most 300000'],
  ])('when the routes have %s, then start-up fails naming the route', (_name, document, expected) => {
    expect(messageOf(() => parseRoutes(document, {}))).toContain(expected);
  });

  it('when upstream uses ${VAR:-default}, then the variable wins when set and the default otherwise', () => {
    const doc = { routes: [{ ...base, upstream: '${SVC_URL:-http://fallback:9}' }] };
    expect(parseRoutes(doc, {})[0]?.upstream.href).toBe('http://fallback:9/');
    expect(parseRoutes(doc, { SVC_URL: 'http://svc:1' })[0]?.upstream.href).toBe('http://svc:1/');
  });

  it('when the routes file is missing, then the error names GATEWAY_ROUTES', async () => {
    await expect(loadRoutesFile('gateway/nope.yaml', {})).rejects.toThrow(/GATEWAY_ROUTES: cannot read gateway\/nope.yaml/);
  });
});

describe('route table', () => {
  it('when prefixes nest, then the longest whole-segment prefix wins', () => {
    const find = createRouteTable(['/', '/api', '/api/notes'], (p) => p);
    expect(find('/api/notes/1')).toBe('/api/notes');
    expect(find('/api/notesX')).toBe('/api');
    expect(find('/api')).toBe('/api');
    expect(find('/other')).toBe('/');
  });
});

describe('gateway config', () => {
  it('when nothing is set, then the contract defaults apply', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', routesFile: 'gateway/routes.yaml', redisKeyPrefix: 'authgate:', logLevel: 'info' });
    expect(config.verifier).toEqual({ issuer: 'http://localhost:4000', audience: 'api', authUrl: 'http://localhost:4000', jwksUri: 'http://localhost:4000/.well-known/jwks.json' });
  });

  it('when AUTH_URL is set, then the JWKS is fetched from it while iss stays AUTH_ISSUER', () => {
    const config = loadGatewayConfig({ AUTH_ISSUER: 'https://id.example.com', AUTH_URL: 'http://auth:4000/' });
    expect(config.verifier).toMatchObject({ issuer: 'https://id.example.com', jwksUri: 'http://auth:4000/.well-known/jwks.json' });
  });

  it('when a variable is bad, then the error names it', () => {
    expect(() => loadGatewayConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
    expect(() => loadGatewayConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });
});

describe('route config errors in plain words', () => {
  const { auth: _auth, ...withoutAuth } = base;
  it.each([
    ['a missing auth', { routes: [withoutAuth] }, 'route 0 (/api/x): auth: is missing: expected required, optional or none'],
    ['a missing upstream', { routes: [{ prefix: '/a', auth: 'none' }] }, 'route 0 (/a): upstream: is missing: expected an http(s) URL such as http://notes:4001'],
    ['a missing prefix', { routes: [{ upstream: 'http://x', auth: 'none' }] }, 'route 0: prefix: is missing: expected a path such as /api/notes'],
    ['auth of the wrong type', { routes: [{ ...base, auth: true }] }, 'route 0 (/api/x): auth: must be required, optional or none'],
    ['an unknown key', { routes: [{ ...base, upstreams: 'x' }] }, 'route 0 (/api/x): unknown key "upstreams" (allowed: prefix, upstream, auth'],
    ['an unknown top-level key', { routes: [base], extra: 1 }, 'unknown key "extra" (allowed: routes)'],
    ['websocket not a boolean', { routes: [{ ...base, websocket: 'yes' }] }, 'route 0 (/api/x): websocket: must be true or false'],
    ['a prefix with ;', { routes: [{ ...base, prefix: '/api;x' }] }, 'route 0 (/api;x): prefix: must start with /'],
    ['prefixes differing only in case', { routes: [base, { ...base, prefix: '/API/X' }] }, 'route 1 (/API/X): prefix is listed twice (prefixes match regardless of letter case)'],
    ['cors without origins', { routes: [{ ...base, cors: { credentials: true } }] }, 'route 0 (/api/x): cors.origins: is missing: expected a list of exact origins'],
    ['a cors wildcard', { routes: [{ ...base, cors: { origins: ['*'] } }] }, 'cors.origins.0: must be an exact origin like https://app.example'],
    ['a cors origin with a path', { routes: [{ ...base, cors: { origins: ['https://app.example/'] } }] }, 'cors.origins.0: must be an exact origin'],
    ['an unknown cors key', { routes: [{ ...base, cors: { origins: ['https://a.example'], headers: ['x'] } }] }, 'cors: unknown key "headers" (allowed: origins, credentials, maxAgeSeconds)'],
    ['an unknown delegation value', { routes: [{ ...base, delegation: 'yes' }] }, 'route 0 (/api/x): delegation: must be required or refused'],
    ['delegation not a string', { routes: [{ ...base, delegation: true }] }, 'route 0 (/api/x): delegation: must be required or refused'],
    ['delegation on a public route', { routes: [{ ...base, auth: 'none', delegation: 'refused' }] }, 'route 0 (/api/x): delegation: refused needs auth: required'],
    ['delegation on an optional route', { routes: [{ ...base, auth: 'optional', delegation: 'required' }] }, 'route 0 (/api/x): delegation: required needs auth: required'],
    ['an acr other than mfa', { routes: [{ ...base, acr: 'urn:authgate:acr:mfa' }] }, 'route 0 (/api/x): acr: must be mfa'],
    ['a max_age in words', { routes: [{ ...base, max_age: '5m' }] }, 'route 0 (/api/x): max_age: must be a number of seconds'],
    ['a fractional max_age', { routes: [{ ...base, max_age: 1.5 }] }, 'route 0 (/api/x): max_age: must be a whole number of seconds'],
    ['a negative max_age', { routes: [{ ...base, max_age: -1 }] }, 'route 0 (/api/x): max_age: must be 0 or more'],
    ['maxAge spelt in camel case', { routes: [{ ...base, maxAge: 300 }] }, 'route 0 (/api/x): unknown key "maxAge" (allowed: prefix'],
    ['acr on an optional route', { routes: [{ ...base, auth: 'optional', acr: 'mfa' }] }, 'route 0 (/api/x): acr and max_age need auth: required'],
    ['max_age on a public route', { routes: [{ ...base, auth: 'none', max_age: 60 }] }, 'route 0 (/api/x): acr and max_age need auth: required'],
  ])('when the routes have %s, then the message says what is wrong and what is expected', (_name, document, expected) => {
    expect(messageOf(() => parseRoutes(document, {}))).toContain(expected);
  });

  it('when delegation is given, then it reaches the route definition; absent, it is undefined (either kind of token)', () => {
    const [required, refused, either] = parseRoutes({ routes: [{ ...base, delegation: 'required' }, { ...base, prefix: '/b', delegation: 'refused' }, { ...base, prefix: '/c' }] }, {});
    expect(required?.delegation).toBe('required');
    expect(refused?.delegation).toBe('refused');
    expect(either?.delegation).toBeUndefined();
  });

  it('when acr and max_age are given, then they reach the route definition as acr and maxAge; absent, they are undefined', () => {
    const [stepUp, plain] = parseRoutes({ routes: [{ ...base, acr: 'mfa', max_age: 0 }, { ...base, prefix: '/b' }] }, {});
    expect(stepUp).toMatchObject({ acr: 'mfa', maxAge: 0 });
    expect(plain?.acr).toBeUndefined();
    expect(plain?.maxAge).toBeUndefined();
  });

  it('when websocket and cors are given, then they reach the route definition', () => {
    const [route] = parseRoutes({ routes: [{ ...base, websocket: true, cors: { origins: ['https://a.example'], credentials: true } }] }, {});
    expect(route).toMatchObject({ websocket: true, cors: { origins: ['https://a.example'], credentials: true, maxAgeSeconds: 600 } });
  });
});
