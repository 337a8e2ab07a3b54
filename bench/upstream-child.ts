import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from './child-ipc.js';

/**
 * The upstream every proxy under test talks to: drains the request body and answers a fixed
 * small JSON body, as a typical API response. Its own process, so its CPU is nobody's.
 */
const BODY = JSON.stringify({ ok: true, notes: [{ id: 'n-1', title: 'benchmark', body: 'x'.repeat(120) }] });

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => serveParent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
