import net from 'node:net';

/**
 * A TCP port free right now on 127.0.0.1, for the rare server whose URL must be known before it
 * starts (an issuer URL that discovery compares byte for byte, two services that point at each other).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
