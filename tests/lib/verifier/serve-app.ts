import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { errorHandler } from '../../../lib/http/error-handler.js';

/**
 * An express app under test with lib/http's error handler last, on a loopback port. `close` stops
 * it, then closes what the app was built on (`alsoClose`, in order: a verifier, its issuer, ...).
 */
export async function serveApp(app: Express, alsoClose: Array<() => unknown> = []): Promise<{ base: string; close(): Promise<void> }> {
  app.use(errorHandler());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const close of alsoClose) await close();
    },
  };
}
