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
let lastSecond = -1;
/** `,"time":"2026-12-01T12:00:00.` of the current second: only the milliseconds change within it. */
let secondPrefix = '';

/**
 * pino's `isoTime` (`,"time":"<ISO 8601 UTC>"`), with the date formatted once per second and
 * once per millisecond: a busy gateway logs a line per request, most of them in a millisecond of
 * their own, and `toISOString` per line was a visible share of each line.
 */
function cachedIsoTime(): string {
  const now = Date.now();
  if (now === lastMs) return lastTime;
  lastMs = now;
  const second = Math.floor(now / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    secondPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  lastTime = `${secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
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
