import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyLength: number;
  bodySha256: string;
  /** True when the gateway closed the request before the upstream answered. */
  aborted: boolean;
}

export interface EchoUpstream {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * An upstream that records everything it receives and answers 200 JSON. Paths containing
 * `/slow` are never answered (until the gateway gives up); `/cut` sends headers and half a body, then dies.
 * A request carrying `x-test-location` / `x-test-content-location` gets a 201 with those values as
 * Location / Content-Location (what a create endpoint answers, in the upstream's own path space).
 * `/big` sends 32 MiB as fast as it is taken. `/stall-body` sends its head and 10 of 1000 bytes, then nothing; `/drip` streams six chunks 100 ms apart.
 * `/odd-response` sends a header twice and one with a latin1 byte.
 * `/hop-response` answers with hop-by-hop headers (and two Set-Cookie) the gateway must sort out.
 * `/own-limit` answers with the upstream's own RateLimit-Policy / RateLimit fields (policy "upstream").
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let bodyLength = 0;
    const record: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength: 0, bodySha256: '', aborted: false };
    received.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    req.on('data', (chunk: Buffer) => {
      bodyLength += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      record.bodyLength = bodyLength;
      record.bodySha256 = hash.digest('hex');
      if (record.url.includes('/slow')) return;
      if (record.url.includes('/stall-body')) {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('x'.repeat(10));
        return;
      }
      if (record.url.includes('/big')) {
        // More than the socket buffers on both sides hold, sent as fast as the gateway takes it.
        const chunk = Buffer.alloc(1024 * 1024, 120);
        res.writeHead(200, { 'content-length': String(32 * chunk.length) });
        let sent = 0;
        const more = () => {
          while (sent < 32) {
            sent++;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        more();
        return;
      }
      if (record.url.includes('/own-limit')) {
        res.writeHead(200, { 'content-type': 'application/json', 'ratelimit-policy': '"upstream";q=100;w=60', ratelimit: '"upstream";r=99;t=60' });
        res.end('{}');
        return;
      }
      if (record.url.includes('/drip')) {
        // Six chunks 100 ms apart: slower in all than a 300 ms route timeout, never idle that long.
        res.writeHead(200, { 'content-type': 'text/plain' });
        let sent = 0;
        const drip = setInterval(() => {
          res.write(`chunk-${sent}\n`);
          if (++sent === 6) {
            clearInterval(drip);
            res.end();
          }
        }, 100);
        res.on('close', () => clearInterval(drip));
        return;
      }
      if (record.url.includes('/cut')) {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('x'.repeat(10));
        setImmediate(() => res.destroy());
        return;
      }
      const location = req.headers['x-test-location'];
      const contentLocation = req.headers['x-test-content-location'];
      if (typeof location === 'string') res.setHeader('location', location);
      if (typeof contentLocation === 'string') res.setHeader('content-location', contentLocation);
      if (location !== undefined || contentLocation !== undefined) res.statusCode = 201;
      // An upstream answering with connection-level headers, one named by its Connection, and two cookies.
      if (record.url.includes('/hop-response')) {
        res.setHeader('connection', 'keep-alive, X-Hop-Token');
        res.setHeader('x-hop-token', 'for-the-next-hop-only');
        res.setHeader('proxy-authenticate', 'Basic realm="upstream-proxy"');
        res.setHeader('upgrade', 'h2c');
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
        res.setHeader('x-kept', 'yes');
      }
      // A header sent twice, and one with a byte above ASCII (latin1 on the wire, as HTTP/1.1 allows in values).
      if (record.url.includes('/odd-response')) {
        res.setHeader('x-twice', ['first', 'second']);
        res.setHeader('X-File-Name', 'caf\u00e9.txt');
      }
      // An upstream that makes request ids of its own (the gateway's must win).
      if (record.url.includes('/own-request-id')) res.setHeader('x-request-id', 'upstream-made');
      res.setHeader('content-type', 'application/json');
      // A Buffer, not a string: node would write head and body as one UTF-8 string, and a header
      // value's latin1 byte would leave as two.
      res.end(Buffer.from(JSON.stringify({ ok: true, bodyLength, bodySha256: record.bodySha256 })));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A listener that only counts connections: jku/x5u must never make the gateway call out. */
export async function startCountingListener(): Promise<{ url: string; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end('{"keys":[]}');
  });
  server.on('connection', () => hits++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
