import express, { type RequestHandler } from 'express';
import { oauthErrors } from '../domain/oauth/oauth-errors.js';
import type { OAuthParams } from '../domain/oauth/presented-credentials.js';

/**
 * RFC 6749 §3.2 / RFC 7662 §2.1 / RFC 7009 §2.1 bodies: application/x-www-form-urlencoded only
 * (JSON is 400 invalid_request, as OAuth clients expect an OAuth error rather than a bare 415),
 * and no parameter more than once (§3.2). Leaves the parameters as `res.locals.oauthParams`.
 */
export function formBody({ limit = '16kb' }: { limit?: string } = {}): RequestHandler[] {
  const urlencoded = express.urlencoded({ extended: false, limit, parameterLimit: 50 });
  const parse: RequestHandler = (req, res, next) =>
    urlencoded(req, res, (err?: unknown) => {
      const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
      next(type === 'parameters.too.many' ? oauthErrors.invalidRequest('too many parameters', 'OAUTH_TOO_MANY_PARAMETERS') : err);
    });
  const contentType: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/x-www-form-urlencoded')) {
      return next(oauthErrors.invalidRequest('the body must be application/x-www-form-urlencoded', 'OAUTH_BODY_NOT_FORM'));
    }
    next();
  };
  const single: RequestHandler = (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) {
      if (typeof value !== 'string') return next(oauthErrors.invalidRequest(`${safeName(name)} must not be repeated`, 'OAUTH_PARAMETER_REPEATED'));
      params[name] = value;
    }
    res.locals.oauthParams = params;
    next();
  };
  return [contentType, parse, single];
}

/** The parameters `formBody` parsed for this request. */
export function oauthParamsOf(locals: Record<string, unknown>): OAuthParams {
  return (locals.oauthParams as OAuthParams | undefined) ?? {};
}

/** Parameter names are echoed only when they look like parameter names. */
function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : 'a parameter';
}
