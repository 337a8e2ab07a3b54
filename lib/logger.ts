import { pino, type Logger, type DestinationStream } from 'pino';
import { BatchedStdout } from './batched-stdout.js';

export type { Logger } from 'pino';

/**
 * Paths pino blanks before a line is written. Handlers should never log secrets in the first
 * place; this is the net under that rule for objects logged whole (requests, bodies, errors).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'body.password',
  '*.password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'client_secret',
  '*.client_secret',
  'client_assertion',
  '*.client_assertion',
  'privateKey',
  '*.privateKey',
];

export interface LoggerOptions {
  name: string;
  /** The `service` field; `name` unless given (a second logger of one service, e.g. `audit` of auth). */
  service?: string;
  level?: string;
  /** Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
  /**
   * Buffer stdout writes up to this many bytes (and at most a second) instead of one write per
   * line: a proxy logging every request otherwise spends a syscall per request on its log. Lines
   * still pending are written at exit; only a SIGKILL loses them.
   */
  bufferBytes?: number;
}

let lastMs = 0;
let lastTime = '';

/**
 * pino's `isoTime`, made once per millisecond: a process logging a line per request writes many
 * lines in the same millisecond, and formatting the date was a visible share of each line.
 */
function cachedIsoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger({ name, service = name, level = 'info', destination, bufferBytes }: LoggerOptions): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service },
    timestamp: cachedIsoTime,
  };
  if (destination) return pino(options, destination);
  if (bufferBytes === undefined) return pino(options);
  return pino(options, new BatchedStdout(bufferBytes));
}
