import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Export requests received (a check that the traced gateway really exported). */
  exports(): number;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP endpoint that reads each export and throws it away (200 `{}`), in the bench's own
 * process: the traced gateway pays for building, batching, serialising and sending its spans,
 * and nothing a real collector would do on its side lands on the gateway's CPU figure.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
