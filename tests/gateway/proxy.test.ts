import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { useGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send, waitFor } from './http-client.js';

let f: GatewayFixture;
useGatewayFixture((fixture) => (f = fixture));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** POSTs `body` in 64 KiB writes, with or without Content-Length (chunked). */
function streamPost(path: string, body: Buffer, headers: Record<string, string>, chunked: boolean): Promise<{ status: number; json: { bodyLength: number; bodySha256: string } }> {
  const url = new URL(path, f.gateway.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { ...headers, ...(chunked ? {} : { 'content-length': String(body.length) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    let offset = 0;
    const writeMore = () => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + 64 * 1024);
        offset += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', writeMore);
      }
      req.end();
    };
    writeMore();
  });
}

describe('proxying', () => {
  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('when a 5 MB body is POSTed %s, then upstream receives it byte-equal', async (_name, chunked) => {
    const body = randomBytes(5 * 1024 * 1024);
    const res = await streamPost('/api/notes/upload', body, { authorization: `Bearer ${f.issuer.sign()}`, 'content-type': 'application/octet-stream' }, chunked);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, bodyLength: body.length, bodySha256: sha256(body) });
    expect(f.upstream.received[0]?.headers['content-type']).toBe('application/octet-stream');
  });

  it('when the method, path and query are unusual, then upstream gets them unchanged (prefix stripped)', async () => {
    // (%2F and %5C in the path are refused, see the attack table; in the query they are just data.)
    const res = await send(f.gateway.url, { method: 'PATCH', path: '/api/notes/a%3Ab;v=1/.hidden/c?x=1&y=%20z&x=2&p=..%2F', headers: [['Authorization', `Bearer ${f.issuer.sign()}`]], body: 'raw text, not json' });
    expect(res.status).toBe(200);
    expect(f.upstream.received[0]).toMatchObject({ method: 'PATCH', url: '/notes/a%3Ab;v=1/.hidden/c?x=1&y=%20z&x=2&p=..%2F', bodyLength: 18 });
  });

  it('when the path equals a stripped prefix with a query, then upstream gets /notes?query', async () => {
    await send(f.gateway.url, { path: '/api/notes?page=2', headers: [['Authorization', `Bearer ${f.issuer.sign()}`]] });
    expect(f.upstream.received[0]?.url).toBe('/notes?page=2');
  });

  it('when no X-Request-Id is sent, then one is generated, passed on and returned', async () => {
    const res = await send(f.gateway.url, { path: '/public/x' });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(f.upstream.received[0]?.headers['x-request-id']).toBe(id);
  });

  it('when a sane X-Request-Id is sent, then it is kept; an insane one is replaced', async () => {
    await send(f.gateway.url, { path: '/public/x', headers: [['X-Request-Id', 'abc-123']] });
    expect(f.upstream.received[0]?.headers['x-request-id']).toBe('abc-123');
    await send(f.gateway.url, { path: '/public/x', headers: [['X-Request-Id', 'bad id\twith tab']] });
    expect(f.upstream.received[1]?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['a proxied answer', '/public/x', 200],
    ['an unknown route', '/nowhere', 404],
    ['a missing token', '/api/notes', 401],
    ['a malformed path', '/public/%ZZ', 400],
    ['an upstream that is down', '/down/x', 502],
  ])('when the gateway answers with %s, then the answer carries the request id', async (_name, path, status) => {
    const res = await send(f.gateway.url, { path, headers: [['X-Request-Id', 'trace-me-42']] });
    expect(res.status).toBe(status);
    expect(res.headers['x-request-id']).toBe('trace-me-42');
  });

  it('when the upstream answers with its own X-Request-Id, then the client gets the gateway one', async () => {
    const res = await send(f.gateway.url, { path: '/public/own-request-id', headers: [['X-Request-Id', 'trace-me-43']] });
    expect(res.headers['x-request-id']).toBe('trace-me-43');
  });

  it('when proxying, then X-Forwarded-For/Proto/Host/Port are set and Host is kept', async () => {
    await send(f.gateway.url, { path: '/public/x' });
    const headers = f.upstream.received[0]?.headers ?? {};
    const gatewayHost = new URL(f.gateway.url).host;
    expect(headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': gatewayHost, host: gatewayHost });
    expect(headers['x-forwarded-port']).toBe(new URL(f.gateway.url).port);
  });

  it('when the client sends its own X-Forwarded-*, then upstream sees only what the gateway set (the socket address, not the claimed one)', async () => {
    await send(f.gateway.url, {
      path: '/public/x',
      headers: [
        ['X-Forwarded-For', '10.9.9.9'],
        ['X-Forwarded-For', '10.8.8.8, 10.7.7.7'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'evil.example'],
        ['X-Forwarded-Port', '443'],
        ['Forwarded', 'for=10.6.6.6;proto=https'],
        ['X-Real-IP', '10.5.5.5'],
      ],
    });
    const headers = f.upstream.received[0]?.headers ?? {};
    const gatewayHost = new URL(f.gateway.url).host;
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers).toMatchObject({ 'x-forwarded-proto': 'http', 'x-forwarded-host': gatewayHost, 'x-forwarded-port': new URL(f.gateway.url).port });
    expect(headers.forwarded).toBeUndefined();
    expect(headers['x-real-ip']).toBeUndefined();
    expect(JSON.stringify(headers)).not.toMatch(/10\.9\.9\.9|10\.8\.8\.8|10\.6\.6\.6|10\.5\.5\.5|evil\.example/);
  });

  it('when the route strips a prefix and upstream answers Location: /notes/<id>, then the client gets /api/notes/<id>', async () => {
    const res = await send(f.gateway.url, {
      method: 'POST',
      path: '/api/notes',
      headers: [['Authorization', `Bearer ${f.issuer.sign({ claims: { scope: 'notes:write' } })}`], ['X-Test-Location', '/notes/n-1'], ['X-Test-Content-Location', '/notes/n-1?v=2']],
      body: '{}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/api/notes/n-1');
    expect(res.headers['content-location']).toBe('/api/notes/n-1?v=2');
  });

  it.each([
    ['an absolute URL', 'http://other.example/notes/1'],
    ['a scheme-relative URL', '//other.example/notes/1'],
    ['a relative reference', 'n-1'],
    ['a dot-relative reference', '../notes/n-1'],
  ])('when upstream answers with %s as Location, then it is passed on unchanged', async (_name, location) => {
    const res = await send(f.gateway.url, { path: '/api/notes', headers: [['Authorization', `Bearer ${f.issuer.sign()}`], ['X-Test-Location', location], ['X-Test-Content-Location', location]] });
    expect(res.headers.location).toBe(location);
    expect(res.headers['content-location']).toBe(location);
  });

  it('when the route strips nothing, then an absolute-path Location is passed on unchanged', async () => {
    const res = await send(f.gateway.url, { path: '/public/x', headers: [['X-Test-Location', '/public/y']] });
    expect(res.headers.location).toBe('/public/y');
  });

  it('when prefixes share a beginning, then only whole segments match', async () => {
    const res = await send(f.gateway.url, { path: '/publicity' });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
    expect(f.upstream.received).toEqual([]);
  });

  it.each(['/public/../api/notes', '/public/%2e%2e/api/notes', '/public/./x', '/api/notes/%2E%2E/%2e%2e/admin'])('when the path %s has dot segments, then 400 and upstream sees nothing', async (path) => {
    const res = await send(f.gateway.url, { path });
    expect(res.status).toBe(400);
    expect(f.upstream.received).toEqual([]);
  });
});

/** GETs `path` from the gateway and reads the whole answer: did it end, or was it cut (aborted, reset)? */
function responseOutcome(path: string): Promise<{ status: number | undefined; outcome: 'ended' | 'cut' }> {
  return new Promise((resolve) => {
    const url = new URL(path, f.gateway.url);
    let status: number | undefined;
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false }, (res) => {
      status = res.statusCode;
      res.on('data', () => {});
      res.on('end', () => resolve({ status, outcome: 'ended' }));
      res.on('error', () => resolve({ status, outcome: 'cut' }));
      res.on('aborted', () => resolve({ status, outcome: 'cut' }));
    });
    req.on('error', () => resolve({ status, outcome: 'cut' }));
  });
}

describe('upstream failures', () => {
  it('when the upstream refuses connections, then 502 JSON', async () => {
    const res = await send(f.gateway.url, { path: '/down/x' });
    expect(res.status).toBe(502);
    expect(res.json()).toEqual({ error: 'bad_gateway', error_description: 'the upstream service is unavailable' });
  });

  it('when the upstream is slower than the route timeout, then 504 JSON well before any client timeout', async () => {
    const started = Date.now();
    const res = await send(f.gateway.url, { path: '/timeouts/slow' });
    expect(res.status).toBe(504);
    expect(res.json()).toEqual({ error: 'gateway_timeout', error_description: 'the upstream service did not answer in time' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitFor(() => f.upstream.received[0]?.aborted === true);
  });

  it('when the upstream stalls mid-body for the route timeout, then the client sees the response cut and the upstream call is dropped', async () => {
    const started = Date.now();
    expect(await responseOutcome('/timeouts/stall-body')).toEqual({ status: 200, outcome: 'cut' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitFor(() => f.upstream.received[0]?.aborted === true);
  });

  it('when the upstream streams slower in all than the route timeout but never idles that long, then the body arrives whole', async () => {
    const res = await send(f.gateway.url, { path: '/timeouts/drip' });
    expect(res.status).toBe(200);
    expect(res.text).toBe(Array.from({ length: 6 }, (_, i) => `chunk-${i}\n`).join(''));
  });

  it('when the client stops reading for longer than the route timeout, then the upstream is not blamed: the body arrives whole', async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const url = new URL('/timeouts/big', f.gateway.url);
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false }, (res) => {
        let bytes = 0;
        res.pause();
        // Twice the route's 300 ms: the gateway is held up by this client, not by the upstream.
        setTimeout(() => {
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.resume();
        }, 600);
        res.on('end', () => resolve(bytes));
        res.on('aborted', () => reject(new Error(`cut after ${bytes} bytes`)));
      });
      req.on('error', reject);
    });
    expect(received).toBe(32 * 1024 * 1024);
  });

  it('when the client sends Expect: 100-continue, then the route timeout still applies', async () => {
    const res = await send(f.gateway.url, { method: 'POST', path: '/timeouts/slow-expect', headers: [['Expect', '100-continue'], ['Content-Length', '5']], body: 'hello' });
    expect(res.status).toBe(504);
    expect(f.upstream.received[0]?.bodyLength).toBe(5);
  });

  it('when the upstream dies mid-response, then the client sees the response cut, not a hang', async () => {
    expect((await responseOutcome('/public/cut')).outcome).toBe('cut');
  });

  it('when the client disconnects mid-request, then the upstream exchange is dropped and the gateway keeps serving', async () => {
    const url = new URL('/timeouts/slow-disconnect', f.gateway.url);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'content-length': '100000' } });
    req.on('error', () => {});
    req.write(Buffer.alloc(1000));
    await waitFor(() => f.upstream.received.length === 1);
    req.destroy();
    await waitFor(() => f.upstream.received[0]?.aborted === true);
    const health = await send(f.gateway.url, { path: '/healthz' });
    expect(health.status).toBe(200);
    expect((await send(f.gateway.url, { path: '/public/after' })).status).toBe(200);
  });

  it('when the client disconnects while its token is being checked, then nothing crashes', async () => {
    const url = new URL('/api/notes', f.gateway.url);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, agent: false, headers: { authorization: `Bearer ${f.issuer.sign({ claims: { sub: 'gone' } })}` } });
    req.on('error', () => {});
    req.end();
    req.destroy();
    expect((await send(f.gateway.url, { path: '/healthz' })).status).toBe(200);
  });
});

describe('operations', () => {
  it('when asked, then /healthz is 200 and /readyz is 200 once the JWKS was fetched', async () => {
    expect((await send(f.gateway.url, { path: '/healthz' })).status).toBe(200);
    await waitFor(async () => (await send(f.gateway.url, { path: '/readyz' })).status === 200);
    const ready = await send(f.gateway.url, { path: '/readyz' });
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { routes: 'ok', jwks: 'ok' } });
  });
});
