import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../lib/logger.js';
import type { RevocationList } from '../lib/revocation/revocation-list.js';
import { isTokenRevoked, type VerifiedToken } from '../lib/verifier/index.js';
import type { CompiledRoute, UpgradeTunnel } from './gateway-handler.js';
import { presentHeaders, removeHeader } from '../lib/edge/hop-by-hop.js';
import { sendError } from '../lib/http/send-json.js';
import { proxiedHead, stampAnswerFields } from './answer-fields.js';
import { upstreamFailure } from '../lib/edge/upstream-response.js';

/**
 * How often open sockets are checked against the revocation feed: two in-memory lookups each, so
 * checking four times a second keeps "closed within a second of the revocation" with room for the
 * feed's own latency.
 */
const REVOCATION_CHECK_MS = 250;

/**
 * Tunnels an authorised WebSocket upgrade to the route's upstream: the upgrade request goes on
 * (identity headers set, hop-by-hop headers other than `Connection: upgrade` / `Upgrade`
 * removed), the upstream's 101 and every frame after it are piped through untouched.
 *
 * A socket does not outlive its token: it is closed when the token expires (`exp`) or, within
 * a second, when the token or its login session is revoked (logout, lock, refresh token
 * revocation; Redis or auth's feed), by the same decision the HTTP path takes. The client reconnects
 * with a fresh token, and is verified again, like any request. Both sides are simply closed:
 * a WebSocket close frame would need the gateway to speak the protocol, and a TCP close is
 * what a client sees when any proxy in between goes away.
 */
export function createWebSocketTunnel(logger: Logger, revocations: RevocationList, now: () => number = Date.now): { tunnel: UpgradeTunnel; closeAll(): void } {
  const open = new Map<Socket, { identity: VerifiedToken | undefined; close: () => void }>();
  const sweep = setInterval(() => {
    const nowMs = now();
    for (const { identity, close } of open.values()) {
      if (identity !== undefined && (identity.expiresAt * 1000 <= nowMs || refused(identity))) close();
    }
  }, REVOCATION_CHECK_MS);
  sweep.unref();

  /**
   * Whether a request with this token would be refused now. A required feed that is down throws
   * (503 over HTTP): the socket is closed too, since keeping it open would accept the token.
   */
  function refused(identity: VerifiedToken): boolean {
    try {
      return isTokenRevoked(revocations, identity);
    } catch {
      return true;
    }
  }

  const tunnel: UpgradeTunnel = (req: IncomingMessage, res: ServerResponse, route: CompiledRoute, identity: VerifiedToken | undefined) => {
    const client = req.socket;
    // Hop-by-hop headers are gone already (stripInboundHeaders kept Upgrade); an upgrade has no body.
    removeHeader(req.headers, 'transfer-encoding');
    const upstream = route.definition.upstream;
    const basePath = upstream.pathname === '/' ? '' : upstream.pathname.replace(/\/$/, '');
    const request = (upstream.protocol === 'https:' ? https : http).request({
      host: upstream.hostname,
      port: upstream.port || (upstream.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path: basePath + (req.url ?? '/'),
      headers: presentHeaders(req.headers),
      agent: false,
      timeout: route.definition.timeoutMs,
    });
    const fail = (err: Error & { code?: string }, timedOut: boolean) => {
      logger.warn({ upstream: upstream.origin, code: err.code, reqId: req.headers['x-request-id'] }, timedOut ? 'upstream timed out' : 'upstream unreachable');
      stampAnswerFields(res);
      sendError(res, upstreamFailure(timedOut), 'gateway');
    };
    request.once('timeout', () => request.destroy(Object.assign(new Error('upstream timed out'), { code: 'UPSTREAM_TIMEOUT' })));
    request.once('error', (err: Error & { code?: string }) => fail(err, err.code === 'UPSTREAM_TIMEOUT'));
    client.once('close', () => request.destroy());
    // The upstream refused the upgrade: pass its answer on as a plain response.
    request.once('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, proxiedHead(upstreamRes.headers, res));
      upstreamRes.pipe(res);
    });
    request.once('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
      request.setTimeout(0);
      // Written by hand: `res` is a plain ServerResponse and would add framing headers to a 101.
      const lines = [`HTTP/1.1 101 ${upstreamRes.statusMessage ?? 'Switching Protocols'}`];
      for (let i = 0; i < upstreamRes.rawHeaders.length; i += 2) lines.push(`${upstreamRes.rawHeaders[i]}: ${upstreamRes.rawHeaders[i + 1]}`);
      client.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length > 0) client.write(upstreamHead);
      res.statusCode = 101;
      const close = () => {
        open.delete(client);
        upstreamSocket.destroy();
        client.destroy();
        // The access log line is written when res closes; the tunnel's life is the request's.
        res.destroy();
      };
      open.set(client, { identity, close });
      upstreamSocket.once('close', close);
      upstreamSocket.once('error', close);
      client.once('close', close);
      client.once('error', close);
      upstreamSocket.pipe(client);
      client.pipe(upstreamSocket);
    });
    request.end();
  };
  return {
    tunnel,
    closeAll() {
      clearInterval(sweep);
      for (const { close } of [...open.values()]) close();
    },
  };
}
