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
 *
 * Until the drain begins this costs one Set entry per connection and nothing per request: it runs
 * in front of every request of every process, the gateway's hot path included (a per-request
 * listener cost the gateway about a third of its CPU per request). What a socket is doing is read
 * from `socket._httpMessage`, the response node:http is writing on it (null between requests), a
 * field node:http has kept under that name since its first versions; the drain test runs on
 * Node 20 and 24.
 */
function trackForDrain(server: http.Server): (graceMs: number) => Promise<void> {
  const sockets = new Set<Socket>();
  const lingering = new Map<Socket, NodeJS.Timeout>();
  let closing: Promise<void> | undefined;

  const inFlight = (socket: Socket) => (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage ?? null;

  const linger = (socket: Socket) => {
    if (socket.destroyed || lingering.has(socket) || inFlight(socket) !== null) return;
    lingering.set(
      socket,
      setTimeout(() => {
        lingering.delete(socket);
        if (inFlight(socket) === null) socket.destroy();
      }, IDLE_LINGER_MS).unref(),
    );
  };

  /** Once a response of the drain ends, its socket may be idle: it gets its linger time. */
  const closeAfter = (res: http.ServerResponse, socket: Socket) => res.once('close', () => linger(socket));

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      clearTimeout(lingering.get(socket));
      lingering.delete(socket);
    });
    // A connection accepted just before the listener closed is as idle as any other.
    if (closing) linger(socket);
  });

  function onRequestWhileDraining(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    clearTimeout(lingering.get(socket));
    lingering.delete(socket);
    res.setHeader('Connection', 'close');
    closeAfter(res, socket);
  }

  return (graceMs) =>
    (closing ??= new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      // Before the app's own listener, so the header is in place before any handler can respond.
      server.prependListener('request', onRequestWhileDraining);
      for (const socket of sockets) {
        const res = inFlight(socket);
        if (res === null) linger(socket);
        else {
          // A response that began before the drain said keep-alive: its socket turns idle after it.
          if (!res.headersSent) res.setHeader('Connection', 'close');
          closeAfter(res, socket);
        }
      }
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
  // stop() catches every closer's error itself; `void` marks the promise as handled there.
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
