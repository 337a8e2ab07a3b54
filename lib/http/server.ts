import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { RequestListener } from 'node:http';
import type { Logger } from '../logger.js';

export interface RunningServer {
  server: http.Server;
  /** Base URL with the port actually bound (useful with port 0 in tests). */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  close: (graceMs?: number) => Promise<void>;
}

export interface ListenOptions {
  port: number;
  host?: string;
  /** Largest request head accepted, in bytes (Node's default is 16 KiB). */
  maxHeaderSize?: number;
}

export async function listen(handler: RequestListener, { port, host = '127.0.0.1', maxHeaderSize }: ListenOptions): Promise<RunningServer> {
  const server = maxHeaderSize === undefined ? http.createServer(handler) : http.createServer({ maxHeaderSize }, handler);
  // Keep-alive longer than common load balancer idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const drain = trackForDrain(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shownHost = urlHost === '0.0.0.0' || urlHost === '[::]' ? 'localhost' : urlHost;
  return {
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close: (graceMs = 10_000) => drain(graceMs),
  };
}

/**
 * How long a keep-alive socket with no request in progress is kept open once the drain began. A
 * client may already have sent its next request on it (a keep-alive client reuses a socket the
 * moment a response ends): closing at once would reset that request, waiting a little lets it be
 * served, with `Connection: close`. A socket that stays idle for this long is closed.
 */
const IDLE_LINGER_MS = 250;

/**
 * Graceful drain on close (SIGTERM): the listener stops accepting; every response from then on
 * carries `Connection: close`, including those in flight whose headers are not yet sent, so each
 * keep-alive client moves to another replica after its current request; requests that still arrive
 * on open sockets are served; sockets idle for IDLE_LINGER_MS are closed, also those that turn idle
 * after an in-flight response. Resolves as soon as the last socket is gone; `graceMs` is the upper
 * bound, after which the remaining connections are cut.
 */
function trackForDrain(server: http.Server): (graceMs: number) => Promise<void> {
  /** Requests in progress per socket (more than one only with pipelining). */
  const active = new Map<Socket, number>();
  const open = new Set<http.ServerResponse>();
  const lingering = new Map<Socket, NodeJS.Timeout>();
  let draining = false;
  let closing: Promise<void> | undefined;

  const linger = (socket: Socket) => {
    if (socket.destroyed || lingering.has(socket) || (active.get(socket) ?? 0) > 0) return;
    lingering.set(
      socket,
      setTimeout(() => {
        lingering.delete(socket);
        if ((active.get(socket) ?? 0) === 0) socket.destroy();
      }, IDLE_LINGER_MS).unref(),
    );
  };

  server.on('connection', (socket: Socket) => {
    active.set(socket, 0);
    socket.once('close', () => {
      active.delete(socket);
      clearTimeout(lingering.get(socket));
      lingering.delete(socket);
    });
    // A connection accepted just before the listener closed is as idle as any other.
    if (draining) linger(socket);
  });
  // Before the app's own listener, so the header is in place before any handler can respond.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    clearTimeout(lingering.get(socket));
    lingering.delete(socket);
    open.add(res);
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      open.delete(res);
      active.set(socket, Math.max(0, (active.get(socket) ?? 1) - 1));
      // A response that began before the drain said keep-alive: its socket turns idle now.
      if (draining) linger(socket);
    });
  });

  return (graceMs) =>
    (closing ??= new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      draining = true;
      for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
      for (const socket of active.keys()) linger(socket);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      // net.Server's close, not http.Server's: the latter (Node 19+) also drops every idle
      // keep-alive socket at once, resetting requests already on their way on them.
      net.Server.prototype.close.call(server, () => {
        clearTimeout(force);
        resolve();
      });
    }));
}

export type Closer = () => Promise<void> | void;

/**
 * Runs `closers` in order on SIGTERM/SIGINT, then exits 0 (1 if a closer failed). A second
 * signal exits at once, for the impatient Ctrl-C.
 */
export function onShutdownSignal(logger: Logger, closers: Closer[]): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    let code = 0;
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        code = 1;
        logger.error({ err }, 'error during shutdown');
      }
    }
    logger.info('stopped');
    logger.flush?.();
    process.exit(code);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
