import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, internalError, isAppError } from '../errors.js';
import { errorResponse } from './error-response.js';
import type { Logger } from '../logger.js';

/**
 * zlib codes meaning the caller's compressed body is corrupt or truncated. Memory failures
 * (Z_MEM_ERROR, brotli's ERR__ERROR_ALLOC_*) are not listed: those are ours, and stay 500.
 */
const CORRUPT_BODY_ZLIB_CODES = new Set(['Z_DATA_ERROR', 'Z_BUF_ERROR', 'Z_NEED_DICT', 'ERR__ERROR_DICTIONARY_NOT_SET']);

/**
 * body-parser 2 hands a failed gzip/deflate/br inflate on as zlib's own error, stamped only with
 * status 400 (http-errors) and no `type`, so it is recognised by zlib's `code` (+ numeric `errno`),
 * never by message text. Requiring that 400 keeps a zlib failure of our own making a 500.
 */
function isCorruptCompressedBody(err: object): boolean {
  const { code, errno, status } = err as { code?: unknown; errno?: unknown; status?: unknown };
  if (status !== 400 || typeof code !== 'string' || typeof errno !== 'number') return false;
  // Brotli reports decoder errors as ERR_ + BrotliDecoderErrorString, e.g. ERR__ERROR_FORMAT_PADDING_2.
  return CORRUPT_BODY_ZLIB_CODES.has(code) || code.startsWith('ERR__ERROR_FORMAT_');
}

/** Errors thrown by express's body parsers carry a `type`; map the ones a caller can cause. */
function fromBodyParser(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if (isCorruptCompressedBody(err)) {
    return new AppError('BODY_NOT_DECOMPRESSIBLE', 400, 'request body could not be decompressed', { cause: err });
  }
  if (!('type' in err)) return undefined;
  switch ((err as { type: string }).type) {
    case 'entity.too.large':
      return new AppError('BODY_TOO_LARGE', 413, 'request body is too large', { cause: err });
    case 'entity.parse.failed':
      return new AppError('MALFORMED_BODY', 400, 'request body is not valid JSON', { cause: err });
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_ENCODING', 415, 'unsupported Content-Encoding', { cause: err });
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_ENCODING', 415, 'unsupported body encoding', { cause: err });
    case 'parameters.too.many':
      // A form beyond the parser's parameterLimit (RFC 6749 bodies and the hosted pages' forms).
      return new AppError('TOO_MANY_PARAMETERS', 400, 'too many parameters', { error: 'invalid_request', cause: err });
    case 'request.aborted':
      return new AppError('REQUEST_ABORTED', 400, 'request aborted', { cause: err });
    default:
      return undefined;
  }
}

export function toAppError(err: unknown): AppError {
  return isAppError(err) ? err : (fromBodyParser(err) ?? internalError(err));
}

/**
 * Our faults are errors; a dependency that is down (503 from Redis, the JWKS) is a warning per
 * request, so an outage does not flood the error log with one stack per caller. Refusals (4xx)
 * are the access line's business.
 */
export function logFailure(log: Logger, appError: AppError): void {
  if (appError.status === 500) log.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
  else if (appError.status > 500) log.warn({ code: appError.code, cause: (appError.cause as Error | undefined)?.message }, 'dependency unavailable');
}

/**
 * Renders every error through errorResponse (status, challenge, Cache-Control, body). Server
 * faults are logged with their cause and shown only as server_error. `realm` is the protection
 * space named in challenges that carry none of their own.
 */
export function errorHandler({ realm = 'api' }: { realm?: string } = {}): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (req.log) logFailure(req.log, appError);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { status, headers, body } = errorResponse(appError, realm);
    res.status(status).set(headers).json(body);
  };
}

/** Final handler for paths no route took. */
export function notFound(): RequestHandler {
  return (req, _res, next) => next(new AppError('NOT_FOUND', 404, `no route for ${req.method} ${req.path}`));
}
