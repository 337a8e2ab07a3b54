import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import typeIs from 'type-is';
import { oauthErrors } from '../../domain/oauth/oauth-errors.js';
import type { OAuthParams } from '../../domain/clients/presented-credentials.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * RFC 6749 §3.2 / RFC 7662 §2.1 / RFC 7009 §2.1 bodies: application/x-www-form-urlencoded only
 * (JSON is 400 invalid_request, as OAuth clients expect an OAuth error rather than a bare 415),
 * and no parameter more than once (§3.2). Plain node:http (the OAuth endpoints run outside
 * express); the body is read by body-parser, so limits, charsets, Content-Encoding and aborted
 * uploads fail with the errors lib/http/error-handler.ts maps, as on every other route.
 */
export function formReader({ limit = '16kb' }: { limit?: string } = {}): (req: IncomingMessage, res: ServerResponse) => Promise<OAuthParams> {
  const urlencoded = express.urlencoded({ extended: false, limit, parameterLimit: 50 });
  return (req, res) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && typeIs(req, [FORM]) === false) {
      return Promise.reject(oauthErrors.invalidRequest('the body must be application/x-www-form-urlencoded', 'OAUTH_BODY_NOT_FORM'));
    }
    return new Promise((resolve, reject) => {
      urlencoded(req as express.Request, res as express.Response, (err?: unknown) => {
        if (err !== undefined) {
          const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
          return reject(type === 'parameters.too.many' ? oauthErrors.invalidRequest('too many parameters', 'OAUTH_TOO_MANY_PARAMETERS') : err);
        }
        try {
          resolve(singleValued((req as { body?: unknown }).body));
        } catch (failure) {
          reject(failure);
        }
      });
    });
  };
}

function singleValued(body: unknown): OAuthParams {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') throw oauthErrors.invalidRequest(`${safeName(name)} must not be repeated`, 'OAUTH_PARAMETER_REPEATED');
    params[name] = value;
  }
  return params;
}

/** Parameter names are echoed only when they look like parameter names. */
function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : 'a parameter';
}
