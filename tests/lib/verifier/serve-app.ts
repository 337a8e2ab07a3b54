import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { errorHandler } from '../../../lib/http/error-handler.js';

/** An express app under test with lib/http's error handler last, on a loopback port. */
export async function serveApp(app: Express): Promise<{ base: string; close(): Promise<void> }> {
  app.use(errorHandler());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
