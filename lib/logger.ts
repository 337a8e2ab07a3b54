import { pino, type Logger, type DestinationStream } from 'pino';

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
}

export function createLogger({ name, service = name, level = 'info', destination }: LoggerOptions): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
