import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
    close: (graceMs = 10_000) => closeGracefully(server, graceMs),
  };
}

function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Idle keep-alive sockets would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  });
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
