import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlainHandler, PlainRouteServer } from '../../../../lib/http/plain-route.js';
import { sendJson } from '../../../../lib/http/send-json.js';
import type { ForwardedTrust } from '../../../../lib/verifier/dpop-binding.js';
import type { OAuthUseCases } from '../../domain/oauth/oauth-use-cases.js';
import { oauthFormReader } from './form-body.js';
import { tokenRequestProof } from './token-request-proof.js';

/** Answers the request when it is one of the OAuth endpoints; false hands it on (to express). */
export type OAuthEndpoints = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The OAuth 2.0 endpoints services call per token and per request (token, RFC 7662
 * introspection, RFC 7009 revocation): form in, JSON out. Each handler hands the Authorization
 * header and the form to one use case, which authenticates the client and decides everything
 * else. Plain node:http (lib/http/plain-route.ts), not express: a client-credentials token is one
 * RS256 signature, and express's router and middleware chain cost most of a second one (see
 * bench/README.md, client authentication). Paths match as express would have matched them
 * (case-insensitive, one trailing slash allowed); any other method or path is handed on.
 */
export function oauthEndpoints(oauth: OAuthUseCases, { serve, trust }: { serve: PlainRouteServer; trust: ForwardedTrust }): OAuthEndpoints {
  const readForm = oauthFormReader();

  const handlers = new Map<string, PlainHandler>([
    [
      '/oauth/token',
      async (req, res) => {
        const params = await readForm(req, res);
        sendJson(res, 200, await oauth.token({ authorization: req.headers.authorization, params, dpop: tokenRequestProof(req, trust) }));
      },
    ],
    [
      '/oauth/introspect',
      async (req, res) => {
        const params = await readForm(req, res);
        sendJson(res, 200, await oauth.introspect({ authorization: req.headers.authorization, params }));
      },
    ],
    [
      '/oauth/revoke',
      async (req, res) => {
        const params = await readForm(req, res);
        await oauth.revoke({ authorization: req.headers.authorization, params });
        // RFC 7009 §2.2: 200 whether or not anything was revoked (another client's token is an
        // error, thrown by the use case); the body is ignored by clients.
        res.statusCode = 200;
        res.end();
      },
    ],
  ]);

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const route = routeOf(req.url ?? '/');
    const handler = route === undefined ? undefined : handlers.get(route);
    if (handler === undefined) return false;
    // RFC 6749 §5.1 (and §5.2 for errors): nobody may cache these answers.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    serve(req, res, route!, handler);
    return true;
  };
}

/** The path as express's default (non-strict, case-insensitive) routing compares it. */
function routeOf(url: string): string | undefined {
  const query = url.indexOf('?');
  let path = (query === -1 ? url : url.slice(0, query)).toLowerCase();
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path.startsWith('/oauth/') ? path : undefined;
}
