import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** As received: name, value, name, value (repeated headers stay separate). */
  rawHeaders: string[];
  text: string;
  json(): unknown;
}

/**
 * One request over a fresh connection, headers given as [name, value] pairs so tests can send
 * what fetch refuses to (two Authorization headers, odd spellings).
 */
export function send(base: string, options: { method?: string; path: string; headers?: Array<[string, string]>; body?: Buffer | string }): Promise<RawResponse> {
  // The path goes out exactly as given: new URL() would normalise dot segments away.
  const url = new URL(base);
  // Raw header arrays skip Node's automatic Host header, which HTTP/1.1 servers require.
  const flat = [['Host', url.host], ...(options.headers ?? [])].flat();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: flat, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls `probe` until it returns true or the deadline passes (no fixed sleeps in tests). */
export async function waitFor(probe: () => boolean | Promise<boolean>, { timeoutMs = 5_000, intervalMs = 20 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
