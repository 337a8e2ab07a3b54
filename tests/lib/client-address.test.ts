import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseApp, finishApp } from '../../lib/http/base-app.js';
import { clientAddressOf, parseProxyTrust } from '../../lib/http/client-address.js';
import { createLogger } from '../../lib/logger.js';

let server: Server;
let base: string;

beforeAll(async () => {
  // The test client connects from 127.0.0.1, one of our own networks: a trusted proxy to this app.
  const app = createBaseApp({ logger: createLogger({ name: 'test', level: 'silent' }), trustedProxies: parseProxyTrust('198.51.100.0/24') });
  app.get('/who', (req, res) => {
    res.json({ ip: req.ip, address: clientAddressOf(req) });
  });
  finishApp(app);
  server = app.listen(0);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function who(forwardedFor?: string): Promise<{ ip: string; address: string }> {
  const response = await fetch(`${base}/who`, { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
  return (await response.json()) as { ip: string; address: string };
}

describe('one client-address rule (lib/http/client-address.ts) for every express app', () => {
  it.each([
    ['no X-Forwarded-For', undefined, '127.0.0.1'],
    ['a client behind our proxies', '203.0.113.9', '203.0.113.9'],
    ['a client behind an ingress we trust, behind us', '203.0.113.9, 198.51.100.7', '203.0.113.9'],
    ['a forged hop left of an untrusted one', '10.9.9.9, 203.0.113.9', '203.0.113.9'],
  ])('when the request has %s, then req.ip and clientAddressOf name the same client', async (_name, forwardedFor, expected) => {
    expect(await who(forwardedFor)).toEqual({ ip: expected, address: expected });
  });

  it('when an attacker behind a trusted proxy puts a made-up string in X-Forwarded-For, then req.ip is not that string but the last address known to be true', async () => {
    // express's own rule (proxy-addr) would return the string: a fresh "address" per request,
    // which would walk around every per-IP limit keyed on req.ip.
    for (const junk of ['not-an-ip', 'evil.example', '1.2.3.4.5']) {
      expect(await who(junk)).toEqual({ ip: '127.0.0.1', address: '127.0.0.1' });
    }
  });
});
