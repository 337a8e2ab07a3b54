import { Router, type RequestHandler } from 'express';
import type { OAuthUseCases } from '../domain/oauth/oauth-use-cases.js';
import { formBody, oauthParamsOf } from './form-body.js';
import { tokenRequestProof } from './token-request-proof.js';

/** RFC 6749 §5.1 (and §5.2 for errors): nobody may cache these answers. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  next();
};

/**
 * The OAuth 2.0 endpoints: form in, JSON out. Each handler hands the Authorization header and the
 * form to one use case, which authenticates the client and decides everything else.
 */
export function oauthRoutes(oauth: OAuthUseCases): Router {
  const router = Router();
  router.use('/oauth', noStore, ...formBody());

  router.post('/oauth/token', async (req, res) => {
    res.json(await oauth.token({ authorization: req.headers.authorization, params: oauthParamsOf(res.locals), dpop: tokenRequestProof(req) }));
  });

  router.post('/oauth/introspect', async (req, res) => {
    res.json(await oauth.introspect({ authorization: req.headers.authorization, params: oauthParamsOf(res.locals) }));
  });

  router.post('/oauth/revoke', async (req, res) => {
    await oauth.revoke({ authorization: req.headers.authorization, params: oauthParamsOf(res.locals) });
    // RFC 7009 §2.2: 200 whether or not anything was revoked (another client's token is an error,
    // thrown by the use case); the body is ignored by clients.
    res.status(200).end();
  });

  return router;
}
