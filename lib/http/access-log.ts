import type { Logger } from '../logger.js';

/** The fields of the one line logged per request; nothing else may go on that line. */
export interface AccessLogEntry {
  reqId: string;
  method: string | undefined;
  /** The route pattern or configured prefix, never the raw path. */
  route: string;
  /** The path without its query string (query strings may carry tokens). */
  path: string;
  status: number;
  ms: number;
  /** Set when the client went away before the response finished. */
  aborted?: true;
}

/**
 * Writes the per-request line. Its fields are fixed by `AccessLogEntry` and none can hold a
 * secret, so this line skips the redaction every other log line pays for: on the gateway's hot
 * path that is about a quarter of the logging cost (see bench/). Anything else about a request
 * (errors, causes) goes through the redacting logger.
 */
export function createAccessLog(logger: Logger): (entry: AccessLogEntry) => void {
  const plain = logger.child({}, { redact: [] });
  return (entry) => {
    if (entry.status >= 500) plain.error(entry, 'request');
    else plain.info(entry, 'request');
  };
}

/** Milliseconds since `started` (a `process.hrtime.bigint()` reading), to two decimals. */
export function elapsedMs(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
}
