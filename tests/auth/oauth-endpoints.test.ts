import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { addSecretClient, basic, newSecret } from './support/oauth-client.js';
import { pollUntil } from './contracts/poll.js';

/** Collects pino's JSON lines. */
class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

/** A client store whose lookups fail as a store that lost its database would. */
class FailingClientStore extends MemoryClientStore {
  failing = false;
  override async findById(clientId: string) {
    if (this.failing) throw new Error('connection reset by the client database');
    return super.findById(clientId);
  }
}

/**
 * The OAuth endpoints run outside express (services/auth/http/tokens/oauth-endpoints.ts on lib/http/plain-route.ts):
 * these prove they still get what every express route gets (request id, access line, metrics,
 * no-store, error rendering and logging) and match paths as express did.
 */
describe('OAuth endpoints outside express', () => {
  let auth: TestAuth;
  const sink = new LineSink();
  const clients = new FailingClientStore();
  const secret = newSecret();
  const form = 'grant_type=client_credentials';
  const post = (path: string, headers: Record<string, string> = {}, body = form) =>
    fetch(`${auth.url}${path}`, { method: 'POST', headers: { authorization: basic('svc', secret), 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const linesFor = (reqId: string) => sink.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === reqId);

  beforeAll(async () => {
    auth = await startTestAuth({ clients, logDestination: sink });
    await addSecretClient(clients, 'svc', secret);
  });
  afterAll(() => auth?.stop());

  it('when a token is issued, then the answer echoes the caller request id, is not cacheable, and one access line names the route', async () => {
    const res = await post('/oauth/token', { 'x-request-id': 'caller-req-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('caller-req-1');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const { access_token: token } = (await res.json()) as { access_token: string };
    await pollUntil(() => linesFor('caller-req-1').length > 0, { what: 'the access line' });
    expect(linesFor('caller-req-1')).toEqual([expect.objectContaining({ msg: 'request', method: 'POST', route: '/oauth/token', path: '/oauth/token', status: 200, ms: expect.any(Number) })]);
    for (const line of sink.lines) expect(line).not.toContain(token);
  });

  it('when a caller sends an unusable request id, then a fresh one is made', async () => {
    const res = await post('/oauth/token', { 'x-request-id': 'has spaces and "quotes"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when requests are answered, then the request metrics count them under the route pattern', async () => {
    await post('/oauth/introspect', {}, 'token=not-a-token');
    const metrics = await (await fetch(`${auth.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*method="POST",route="\/oauth\/token",status="200"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/http_requests_total\{[^}]*method="POST",route="\/oauth\/introspect",status="200"[^}]*\} [1-9]/);
  });

  it.each([
    ['upper case', '/OAUTH/TOKEN'],
    ['a trailing slash', '/oauth/token/'],
    ['a query string', '/oauth/token?probe=1'],
  ])('when the path has %s, then it is the token endpoint, as express routing had it', async (_label, path) => {
    const res = await post(path);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { token_type: string }).token_type).toBe('Bearer');
  });

  it.each([
    ['GET on the token endpoint', 'GET', '/oauth/token'],
    ['POST to a path below it', 'POST', '/oauth/token/extra'],
    ['POST to an unknown OAuth path', 'POST', '/oauth/tokens'],
  ])('when %s arrives, then express answers 404 not_found, not cacheable', async (_label, method, path) => {
    const res = await fetch(`${auth.url}${path}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form } : {}) });
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { error: string }).error).toBe('not_found');
  });

  it('when the client store fails, then the answer is a bare 500 server_error and the cause is logged once, with the request id', async () => {
    clients.failing = true;
    try {
      const res = await post('/oauth/token', { 'x-request-id': 'caller-req-fault' });
      expect(res.status).toBe(500);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.error).toBe('server_error');
      expect(JSON.stringify(body)).not.toContain('client database');
    } finally {
      clients.failing = false;
    }
    await pollUntil(() => linesFor('caller-req-fault').length >= 2, { what: 'the failure and access lines' });
    const lines = linesFor('caller-req-fault');
    expect(lines.filter((line) => line.msg === 'request failed')).toEqual([expect.objectContaining({ level: 50, err: expect.objectContaining({ message: 'connection reset by the client database' }) })]);
    expect(lines.filter((line) => line.msg === 'request')).toEqual([expect.objectContaining({ route: '/oauth/token', status: 500, level: 50 })]);
  });

  it('when the client hangs up before the body arrives, then the request is logged as aborted and nothing is issued', async () => {
    const { request } = await import('node:http');
    const url = new URL('/oauth/token', auth.url);
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'POST', headers: { authorization: basic('svc', secret), 'content-type': 'application/x-www-form-urlencoded', 'content-length': '200', 'x-request-id': 'caller-req-gone' } });
      req.on('error', () => resolve());
      req.write('grant_type=client_');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await pollUntil(() => linesFor('caller-req-gone').some((line) => line.msg === 'request'), { what: 'the aborted access line' });
    expect(linesFor('caller-req-gone').find((line) => line.msg === 'request')).toMatchObject({ route: '/oauth/token', aborted: true });
  });
});
