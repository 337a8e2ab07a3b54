import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { clientAddress, parseProxyTrust } from '../../lib/http/client-address.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { useGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

let f: GatewayFixture;
useGatewayFixture((fixture) => (f = fixture));

describe('hop-by-hop headers never reach the upstream (RFC 9110 §7.6.1)', () => {
  it.each<[string, Array<[string, string]>, string[]]>([
    ['Proxy-Authorization', [['Proxy-Authorization', 'Basic dXNlcjpwcm94eS1zZWNyZXQ=']], ['proxy-authorization']],
    ['Keep-Alive and Proxy-Connection', [['Keep-Alive', 'timeout=5'], ['Proxy-Connection', 'keep-alive']], ['keep-alive', 'proxy-connection']],
    ['TE', [['TE', 'trailers']], ['te']],
    ['Upgrade on a route without websocket', [['Upgrade', 'h2c']], ['upgrade']],
    ['headers named in Connection', [['Connection', 'keep-alive, X-Secret-Hop, x-other-hop'], ['X-Secret-Hop', '1'], ['X-Other-Hop', '2']], ['x-secret-hop', 'x-other-hop']],
  ])('when a request carries %s, then the upstream sees none of them', async (_name, headers, absent) => {
    const res = await send(f.gateway.url, { path: '/public/hop', headers: [...headers, ['X-Kept', 'yes']] });
    expect(res.status).toBe(200);
    const seen = f.upstream.received[0]?.headers ?? {};
    for (const name of absent) expect(seen[name]).toBeUndefined();
    expect(seen['x-kept']).toBe('yes');
    // The gateway's own connection to the upstream is keep-alive; nothing of the client's Connection is left.
    expect(seen.connection ?? 'keep-alive').toBe('keep-alive');
  });

  it('when the upstream answers with hop-by-hop headers, then the client gets none of them, and every other header as sent', async () => {
    const res = await send(f.gateway.url, { path: '/public/hop-response' });
    expect(res.status).toBe(200);
    for (const name of ['x-hop-token', 'proxy-authenticate', 'upgrade']) expect(res.headers[name]).toBeUndefined();
    // The gateway's own answer about its connection to this client (which sent Connection: close), not the upstream's.
    expect(res.headers.connection).toBe('close');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-kept']).toBe('yes');
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the upstream sends a header twice and a value with a byte above ASCII, then the client gets both lines and the same bytes', async () => {
    const res = await send(f.gateway.url, { path: '/public/odd-response' });
    expect(res.status).toBe(200);
    const values = (name: string) => res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1]!.toLowerCase() === name);
    expect(values('x-twice')).toEqual(['first', 'second']);
    // Node's client reads header bytes as latin1: 0xE9 comes back as é only if it crossed unchanged.
    expect(values('x-file-name')).toEqual(['caf\u00e9.txt']);
  });

  it('when a chunked request announces a Trailer, then the body arrives whole and Trailer / Transfer-Encoding do not pass as sent', async () => {
    const res = await send(f.gateway.url, { method: 'POST', path: '/public/trailer', headers: [['Transfer-Encoding', 'chunked'], ['Trailer', 'X-Checksum']], body: 'twelve bytes' });
    expect(res.status).toBe(200);
    const received = f.upstream.received[0];
    expect(received?.bodyLength).toBe(12);
    expect(received?.headers.trailer).toBeUndefined();
  });

  it('when Connection names the identity headers, then the upstream still gets them (and no Connection)', async () => {
    const token = f.issuer.sign({ claims: { sub: 'user-7', client_id: 'web', scope: 'notes:read', roles: ['user'] } });
    const res = await send(f.gateway.url, {
      path: '/api/notes',
      headers: [['Authorization', `Bearer ${token}`], ['Connection', 'X-Auth-Subject, X-Auth-Scope, X-Forwarded-For, X-Request-Id, Authorization']],
    });
    expect(res.status).toBe(200);
    const seen = f.upstream.received[0]?.headers ?? {};
    expect(seen).toMatchObject({ 'x-auth-subject': 'user-7', 'x-auth-scope': 'notes:read', 'x-forwarded-for': '127.0.0.1', authorization: `Bearer ${token}` });
    expect(seen['x-request-id']).toBeDefined();
    expect(seen.connection).not.toMatch(/x-auth/i);
  });
});

describe('TRUSTED_PROXIES', () => {
  let upstream: EchoUpstream;
  let gateway: RunningGateway;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
    const env = { UP: upstream.url };
    const routes = parseRoutes({ routes: [{ prefix: '/public', upstream: '${UP}', auth: 'none' }] }, env);
    // The test client connects from 127.0.0.1: here it plays the ingress.
    const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1', LOG_LEVEL: 'silent' });
    gateway = await startGateway(config, { routes, env, logger: createLogger({ name: 'gateway', level: 'silent' }) });
  });
  afterAll(async () => {
    await gateway.close(500);
    await upstream.close();
  });

  it('when the peer is a trusted proxy, then its chain is kept with the peer appended, and its Proto/Host stand', async () => {
    await send(gateway.url, {
      path: '/public/x',
      headers: [['X-Forwarded-For', '203.0.113.9'], ['X-Forwarded-For', '10.1.2.3'], ['X-Forwarded-Proto', 'https'], ['X-Forwarded-Host', 'app.example'], ['X-Forwarded-Port', '443'], ['Forwarded', 'for=1.1.1.1']],
    });
    const seen = upstream.received.at(-1)?.headers ?? {};
    expect(seen).toMatchObject({ 'x-forwarded-for': '203.0.113.9, 10.1.2.3, 127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example', 'x-forwarded-port': '443' });
    expect(seen.forwarded).toBeUndefined();
    // And that chain names the client the same way for everyone who reads it.
    expect(clientAddress('127.0.0.1', seen['x-forwarded-for'], parseProxyTrust('10.0.0.0/8, 127.0.0.1'))).toBe('203.0.113.9');
  });

  it('when a trusted proxy sends no X-Forwarded-*, then the gateway fills them from the connection', async () => {
    await send(gateway.url, { path: '/public/y' });
    const seen = upstream.received.at(-1)?.headers ?? {};
    expect(seen).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': new URL(gateway.url).host });
  });
});

describe('client address (lib/http/client-address.ts)', () => {
  const trust = parseProxyTrust('10.0.0.0/8, 192.0.2.1, 2001:db8::/32');
  it.each<[string, string, string | undefined, string]>([
    ['an untrusted peer is the client, whatever it claims', '198.51.100.7', '1.2.3.4', '198.51.100.7'],
    ['a trusted peer: the rightmost untrusted hop', '10.0.0.5', '1.2.3.4, 203.0.113.5, 192.0.2.1', '203.0.113.5'],
    ['an IPv4-mapped peer counts as IPv4', '::ffff:10.0.0.5', '203.0.113.5', '203.0.113.5'],
    ['IPv6 ranges', '2001:db8::1', '2001:db8::2, 2a00::1', '2a00::1'],
    ['every hop trusted: the leftmost', '10.0.0.5', '10.0.0.6', '10.0.0.6'],
    ['no chain: the trusted peer itself', '10.0.0.5', undefined, '10.0.0.5'],
    ['garbage in the chain stops at the proxy that passed it', '10.0.0.5', '1.2.3.4, not-an-ip', '10.0.0.5'],
  ])('%s', (_name, peer, chain, expected) => {
    expect(clientAddress(peer, chain, trust)).toBe(expected);
  });

  it.each(['10.0.0.0/33', 'example.com', '10.0.0.1/8/1', '::1/129', '10.0.0.0/'])('when TRUSTED_PROXIES holds %s, then the config error names the variable and the entry', (entry) => {
    expect(() => loadGatewayConfig({ TRUSTED_PROXIES: `127.0.0.1, ${entry}` })).toThrow(new RegExp(`TRUSTED_PROXIES.*${entry.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  });
});
