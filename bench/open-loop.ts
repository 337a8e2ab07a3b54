import http from 'node:http';

export interface OpenLoopOptions {
  /** Base URL of the server under test (loopback). */
  url: string;
  path: string;
  /** Header sets sent round robin, one per request; at least one. */
  headers: ReadonlyArray<Record<string, string>>;
  /** Requests started per second, whatever the answers do: the offered load. */
  ratePerSecond: number;
  /** Stop starting requests after this long, or earlier once `until()` is true. */
  maxMs: number;
  until?: () => boolean;
  /** Requests in flight beyond which a due request is counted as shed instead of sent (bounds memory if the server stalls). */
  maxInFlight: number;
  agent: http.Agent;
  /** POST these JSON bodies round robin (with the headers) instead of GETs. */
  bodies?: ReadonlyArray<string>;
  /** The answer counted as success; 200 unless given (202 for an accepted request). */
  okStatus?: number;
}

export interface OpenLoopResult {
  offered: number;
  completed: number;
  /** Errors, non-200 answers, and requests shed because `maxInFlight` were outstanding. */
  failed: number;
  wallMs: number;
  /** Latency of each completed request in µs, from its scheduled start, sorted ascending. */
  latenciesUs: Float64Array;
}

/**
 * A bounded open-loop load: requests start on a fixed schedule (like independent users), not when
 * the previous answer arrives, so a slow server cannot slow the load down and hide its own tail.
 * Latency counts from the scheduled start (no coordinated omission): a request that left late
 * because this process was starved is charged for the wait too.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const intervalMs = 1000 / options.ratePerSecond;
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let offered = 0;
  let failed = 0;
  const started = performance.now();

  const okStatus = options.okStatus ?? 200;
  const send = (scheduledAt: number, headers: Record<string, string>, body: string | undefined) =>
    new Promise<void>((resolve) => {
      const method = body === undefined ? 'GET' : 'POST';
      const sent = body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      const req = http.request({ agent: options.agent, hostname: target.hostname, port: target.port, path: options.path, method, headers: sent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode === okStatus) latencies.push((performance.now() - scheduledAt) * 1000);
          else failed++;
          resolve();
        });
        res.on('error', () => {
          failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });

  while (performance.now() - started < options.maxMs && !options.until?.()) {
    const scheduledAt = started + offered * intervalMs;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const headers = options.headers[offered % options.headers.length] ?? {};
    const body = options.bodies?.[offered % options.bodies.length];
    offered++;
    if (inFlight.size >= options.maxInFlight) {
      failed++;
      continue;
    }
    const request: Promise<void> = send(scheduledAt, headers, body).then(() => void inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  const wallMs = performance.now() - started;
  return { offered, completed: latencies.length, failed, wallMs, latenciesUs: Float64Array.from(latencies).sort() };
}
