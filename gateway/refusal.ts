import type { ServerResponse } from 'node:http';
import { internalError, isAppError } from '../lib/errors.js';
import { logFailure } from '../lib/http/error-handler.js';
import { sendError } from '../lib/http/send-json.js';
import type { Logger } from '../lib/logger.js';
import { stampAnswerFields } from './answer-fields.js';

export const GATEWAY_REALM = 'gateway';

/** Answers a refusal with its RFC 6750 body and challenge (realm `gateway`), logging only what is ours to fix. */
export function createRefusal(logger: Logger): (res: ServerResponse, err: unknown) => void {
  return (res, err) => {
    const appError = isAppError(err) ? err : internalError(err);
    // The JWKS fetcher warns once per outage; every refusal it causes would repeat that.
    if (appError.status >= 500 && appError.code !== 'JWKS_UNAVAILABLE') logFailure(logger.child({ reqId: res.req.headers['x-request-id'] }), appError);
    stampAnswerFields(res);
    sendError(res, appError, GATEWAY_REALM);
  };
}
