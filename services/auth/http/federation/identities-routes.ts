import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import type { Federation } from '../../domain/federation/federation.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';
import { bearerOrSessionCookie } from '../sessions/bearer-or-session.js';
import { setFederationCookie } from './federation-routes.js';

const linkBody = z.object({ provider: stringField().max(64), return_to: stringField().max(4096).optional() });

/**
 * The user's linked identities (Bearer a user access token, or the browser session's cookies with
 * the CSRF header on writes, as /account/identities calls them): list, remove, and link one more.
 * Linking starts the round trip for the signed-in owner: the answer's `authorization_url` is
 * opened in the same browser (the pending sign-in is bound to the cookie set here).
 */
export function identitiesRoutes({ federation, auth, allowedOrigins, secure }: { federation: Federation; auth: AuthUseCases; allowedOrigins: ReadonlySet<string>; secure: boolean }): Router {
  const router = Router();
  const authenticated = bearerOrSessionCookie(bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof), auth.verifyAccessToken, allowedOrigins);
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  router.use('/auth/account/identities', ...jsonBody(), noStore);

  router.get('/auth/account/identities', authenticated, async (_req, res) => {
    res.json({ identities: await federation.identities(callerOf(res).sub) });
  });

  router.post('/auth/account/identities', authenticated, async (req, res) => {
    const { provider, return_to: returnTo } = parseBodyFields(linkBody, req.body);
    const { location, browserSecret } = await federation.start(provider, { returnTo, linkUserId: callerOf(res).sub });
    setFederationCookie(res, browserSecret, secure);
    res.json({ authorization_url: location });
  });

  router.delete('/auth/account/identities/:id', authenticated, async (req, res) => {
    await federation.unlink(callerOf(res).sub, String(req.params.id));
    res.status(204).end();
  });

  return router;
}
