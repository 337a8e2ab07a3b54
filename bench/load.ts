import http from 'node:http';

export interface LoadOptions {
  /** Base URL of the proxy under test (loopback). */
  url: string;
  path: string;
  /** Header sets sent round robin, one per request (e.g. 1,000 users' tokens); at least one. */
  headers: ReadonlyArray<Record<string, string>>;
  /** Requests to send (upper bound). */
  requests: number;
  /** Requests in flight at once, each on its own keep-alive connection. */
  concurrency: number;
  /** Stop issuing after this long even if `requests` were not all sent. */
  maxMs: number;
  /** Reuse connections across calls (warm-up, then batches); default a fresh agent per call. */
  agent?: http.Agent;
}

export interface LoadResult {
  /** Requests answered 200. */
  completed: number;
  /** Errors and non-200 answers. */
  failed: number;
  wallMs: number;
  /** Latency of each completed request in µs, sorted ascending. */
  latenciesUs: Float64Array;
}

const MAX_FAILURES = 100;

/**
 * A closed-loop keep-alive load: `concurrency` workers, each sending its next request as soon as
 * the previous answer ends, over a shared agent with that many sockets. Bounded by count and time.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = options.agent ?? new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(options.requests);
  let issued = 0;
  let completed = 0;
  let failed = 0;
  let lastError: unknown;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + options.maxMs;

  let next = 0;
  const once = () =>
    new Promise<boolean>((resolve) => {
      const headers = options.headers[next++ % options.headers.length];
      const req = http.request({ agent, hostname: target.hostname, port: target.port, path: options.path, method: 'GET', headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      });
      req.on('error', (err) => {
        lastError = err;
        resolve(false);
      });
      req.end();
    });

  const worker = async () => {
    while (issued < options.requests && Date.now() < deadline && failed < MAX_FAILURES) {
      issued++;
      const t0 = process.hrtime.bigint();
      const ok = await once();
      if (ok) latencies[completed++] = Number(process.hrtime.bigint() - t0) / 1_000;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (options.agent === undefined) agent.destroy();
  if (failed >= MAX_FAILURES) throw new Error(`load against ${options.url}${options.path}: ${failed} failures (last: ${String(lastError ?? 'non-200 status')})`);
  const sorted = latencies.subarray(0, completed).sort();
  return { completed, failed, wallMs, latenciesUs: sorted };
}

/** The q-quantile (0..1) of an ascending array; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Median of a few numbers. */
/**
 * A distribution-free interval for the median of `values` (order statistics: the k-th smallest and
 * the k-th largest, k the largest with at least `confidence` that the true median lies between,
 * from the binomial distribution). It needs 6 values for 95 %; with fewer it is the whole range.
 */
export function medianInterval(values: number[], confidence = 0.95): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  // P(Bin(n, 1/2) <= j) for j = 0, 1, ...; the interval [x(k), x(n-k+1)] misses with twice P(<= k-1).
  let k = 1;
  let below = 0;
  let term = 0.5 ** n;
  for (let j = 0; j < n; j++) {
    below += term;
    if (1 - 2 * below < confidence) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  return [sorted[k - 1]!, sorted[n - k]!];
}

/**
 * One ratio per round of a row's figure to the baseline's in the same round (the rounds interleave
 * the rows, so drift hits both), summed up as their median and its 95 % interval.
 */
export function pairedRatio(values: number[], baseValues: number[]): { median: number; interval: [number, number] } {
  const ratios = values.map((value, round) => value / baseValues[round]!).filter(Number.isFinite);
  return { median: median(ratios), interval: medianInterval(ratios) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
