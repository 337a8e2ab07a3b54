import http from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithClientToken } from '../../lib/authorized-fetch.js';
import { ClientCredentialsError, createClientCredentialsSource } from '../../lib/client-credentials.js';
import { listen, type RunningServer } from '../../lib/http/server.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { TestClock } from '../auth/support/clock.js';
import { addSecretClient, newSecret } from '../auth/support/oauth-client.js';

/** Counts requests to the token endpoint made through it. */
function countingFetch() {
  const calls: string[] = [];
  const counted: typeof fetch = async (input, init) => {
    calls.push(String(input));
    return fetch(input, init);
  };
  return { calls, fetch: counted };
}

describe('client-credentials token source (lib/client-credentials)', () => {
  let auth: TestAuth;
  let tokenEndpoint: string;
  // A secret with ':' and '%', which only survives RFC 6749 §2.3.1 encoding.
  const secret = `a:b%c ${newSecret()}`;

  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuth({ clients, env: { ACCESS_TOKEN_TTL: '100' } });
    tokenEndpoint = `${auth.url}/oauth/token`;
    await addSecretClient(clients, 'worker', secret);
  });
  afterAll(() => auth?.stop());

  const source = (clock: TestClock, counter: ReturnType<typeof countingFetch>, scope = 'notes:read') =>
    createClientCredentialsSource({ tokenEndpoint, clientId: 'worker', clientSecret: secret, scope, now: clock.now, fetch: counter.fetch });

  it('when asked repeatedly within the lifetime, then one token request serves them all', async () => {
    const counter = countingFetch();
    const tokens = source(new TestClock(), counter);
    const first = await tokens.getToken();
    expect(decodeJwt(first)).toMatchObject({ sub: 'worker', scope: 'notes:read' });
    for (let i = 0; i < 5; i += 1) expect(await tokens.getToken()).toBe(first);
    expect(counter.calls).toHaveLength(1);
  });

  it('when many callers ask at once with nothing cached, then they share one request', async () => {
    const counter = countingFetch();
    const tokens = source(new TestClock(), counter);
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));
    expect(new Set(all).size).toBe(1);
    expect(counter.calls).toHaveLength(1);
  });

  it('when 80% of the lifetime has passed, then a new token is fetched before the old one expires', async () => {
    const counter = countingFetch();
    const clock = new TestClock();
    const tokens = source(clock, counter);
    const first = await tokens.getToken();
    clock.advance(79_000);
    expect(await tokens.getToken()).toBe(first);
    clock.advance(2_000);
    const renewed = await tokens.getToken();
    expect(renewed).not.toBe(first);
    expect(counter.calls).toHaveLength(2);
  });

  it('when the token is invalidated, then the next call fetches a fresh one; a stale invalidate does not drop the new one', async () => {
    const counter = countingFetch();
    const tokens = source(new TestClock(), counter);
    const first = await tokens.getToken();
    tokens.invalidate(first);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    tokens.invalidate(first);
    expect(await tokens.getToken()).toBe(second);
    expect(counter.calls).toHaveLength(2);
  });

  it('when the client may not have the scope, then a ClientCredentialsError names the OAuth error and not the secret', async () => {
    const tokens = source(new TestClock(), countingFetch(), 'admin');
    const err = await tokens.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientCredentialsError);
    expect(err).toMatchObject({ status: 400, oauthError: 'invalid_scope' });
    expect(String((err as Error).message)).not.toContain(secret);
  });

  describe('fetchWithClientToken', () => {
    let resource: RunningServer;
    const seen: string[] = [];
    let refuseFirst = true;

    beforeAll(async () => {
      resource = await listen(
        (req: http.IncomingMessage, res: http.ServerResponse) => {
          seen.push(req.headers.authorization ?? '');
          if (refuseFirst && seen.length === 1) {
            res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        },
        { port: 0 },
      );
    });
    afterAll(() => resource?.close());

    it('when the callee answers 401, then the token is renewed and the request sent exactly once more', async () => {
      const counter = countingFetch();
      const tokens = source(new TestClock(), counter);
      const res = await fetchWithClientToken(tokens, `${resource.url}/thing`);
      expect(res.status).toBe(200);
      expect(seen).toHaveLength(2);
      expect(seen[0]).not.toBe(seen[1]);
      expect(seen.every((header) => header.startsWith('Bearer '))).toBe(true);
      expect(counter.calls.filter((url) => url === tokenEndpoint)).toHaveLength(2);
    });

    it('when the callee keeps answering 401, then the second 401 is returned without a third try', async () => {
      seen.length = 0;
      refuseFirst = false;
      const stubborn = await listen(
        (req, res) => {
          seen.push(req.headers.authorization ?? '');
          res.writeHead(401).end();
        },
        { port: 0 },
      );
      try {
        const res = await fetchWithClientToken(source(new TestClock(), countingFetch()), stubborn.url);
        expect(res.status).toBe(401);
        expect(seen).toHaveLength(2);
      } finally {
        await stubborn.close();
      }
    });
  });
});
