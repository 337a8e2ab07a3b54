import http from 'node:http';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface KeepAliveLoadResult {
  /** Answered requests, by status. */
  statuses: Record<number, number>;
  /** Requests that got no HTTP answer (reset, refused, hang up), with the error code. */
  failures: string[];
  /** Clients that were told `Connection: close` and left, as they would for another replica. */
  movedOn: number;
}

/**
 * `clients` keep-alive clients, each on its own socket, sending `requests` back to back (bounded by
 * `maxRequests` each and the caller's `stop`). A client that gets `Connection: close` leaves, as a
 * client behind a Service would reconnect to another replica; any request without an answer counts
 * as a failure.
 */
export function keepAliveLoad(
  baseUrl: string,
  { clients, requests, maxRequests = 5_000 }: { clients: number; requests: LoadRequest[]; maxRequests?: number },
): { running: Promise<KeepAliveLoadResult>; stop: () => void; started: () => number } {
  const url = new URL(baseUrl);
  const result: KeepAliveLoadResult = { statuses: {}, failures: [], movedOn: 0 };
  let stopped = false;
  let answered = 0;

  const one = (agent: http.Agent, request: LoadRequest) =>
    new Promise<{ status: number; close: boolean }>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: request.method, path: request.path, agent, headers: request.body ? { 'content-type': 'application/json' } : {} },
        (res) => {
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, close: res.headers.connection === 'close' }));
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      req.end(request.body);
    });

  const client = async (index: number) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let n = 0; n < maxRequests && !stopped; n++) {
        const request = requests[(index + n) % requests.length]!;
        try {
          const { status, close } = await one(agent, request);
          answered++;
          result.statuses[status] = (result.statuses[status] ?? 0) + 1;
          if (close) {
            result.movedOn++;
            return;
          }
        } catch (error) {
          result.failures.push((error as NodeJS.ErrnoException).code ?? String(error));
          return;
        }
      }
    } finally {
      agent.destroy();
    }
  };

  const running = Promise.all(Array.from({ length: clients }, (_, i) => client(i))).then(() => result);
  return { running, stop: () => (stopped = true), started: () => answered };
}
