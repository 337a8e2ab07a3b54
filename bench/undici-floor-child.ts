import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { childArgs, serveParent } from './child-ipc.js';

/**
 * The floor with a faster upstream client: the same bare node:http server as the baseline, but
 * the upstream call goes through undici's `Pool` (keep-alive, pipelining off) instead of
 * `http.request`. No auth, no logging, no metrics; headers passed through, bodies streamed.
 */
const { upstreamUrl } = childArgs<{ upstreamUrl: string }>();
const pool = new Pool(upstreamUrl, { connections: 128 });

const server = http.createServer((req, res) => {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.request({ method: req.method as 'GET', path: req.url ?? '/', headers: req.headers, body: hasBody ? req : null }).then(
    (upstream) => {
      res.writeHead(upstream.statusCode, upstream.headers as http.OutgoingHttpHeaders);
      upstream.body.pipe(res);
    },
    () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => serveParent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
