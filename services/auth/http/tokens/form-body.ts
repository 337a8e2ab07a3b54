import type { IncomingMessage, ServerResponse } from 'node:http';
import { formReader } from '../../../../lib/http/request-body.js';
import { oauthErrors } from '../../domain/oauth/oauth-errors.js';
import type { OAuthParams } from '../../domain/clients/presented-credentials.js';

/**
 * RFC 6749 §3.2 / RFC 7662 §2.1 / RFC 7009 §2.1 bodies: application/x-www-form-urlencoded only
 * (JSON is 400 invalid_request, as OAuth clients expect an OAuth error rather than a bare 415),
 * and no parameter more than once (§3.2). Read by lib/http/request-body.ts like every body.
 */
export function oauthFormReader(): (req: IncomingMessage, res: ServerResponse) => Promise<OAuthParams> {
  const read = formReader({
    refuse: (why) =>
      why === 'not_a_form'
        ? oauthErrors.invalidRequest('the body must be application/x-www-form-urlencoded', 'OAUTH_BODY_NOT_FORM')
        : oauthErrors.invalidRequest('too many parameters', 'OAUTH_TOO_MANY_PARAMETERS'),
  });
  return async (req, res) => singleValued(await read(req, res));
}

function singleValued(body: Record<string, unknown>): OAuthParams {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') throw oauthErrors.invalidRequest(`${safeName(name)} must not be repeated`, 'OAUTH_PARAMETER_REPEATED');
    params[name] = value;
  }
  return params;
}

/** Parameter names are echoed only when they look like parameter names. */
function safeName(name: string): string {
  return /^[a-z_]{1,40}$/.test(name) ? name : 'a parameter';
}
