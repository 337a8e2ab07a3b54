import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { childArgs, serveParent } from './child-ipc.js';

/**
 * The baseline: what a bare Node reverse proxy costs. Plain node:http, one keep-alive agent,
 * headers passed through, bodies piped both ways, no auth, no logging, no metrics.
 */
const { upstreamUrl } = childArgs<{ upstreamUrl: string }>();
const upstream = new URL(upstreamUrl);
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });

const server = http.createServer((req, res) => {
  const proxyReq = http.request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (proxyRes) => {
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
    proxyRes.pipe(res);
  });
  proxyReq.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(proxyReq);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => serveParent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
