import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import type { AccountUseCases } from '../../domain/accounts/account-use-cases.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';

// An upper bound before any work, as on the password change.
/** `password` is left out only by an account without one (made by a federated sign-in). */
const deleteAccountBody = z.object({ password: stringField().max(8192).optional() });

const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/**
 * Where the user is signed in, ending one of those sessions, and deleting the account
 * (API.md, "Accounts"). Each needs the user's own access token; thin handlers, one use case each.
 */
export function sessionsRoutes({ auth, accounts }: { auth: AuthUseCases; accounts: AccountUseCases }): Router {
  const router = Router();
  const authenticated = bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof);

  router.get('/auth/sessions', noStore, authenticated, async (_req, res) => {
    const caller = callerOf(res);
    res.json(await accounts.sessions.list(caller.sub, caller.sid));
  });

  router.delete('/auth/sessions/:sid', noStore, authenticated, async (req, res) => {
    await accounts.sessions.end({ userId: callerOf(res).sub, sid: String(req.params.sid), clientIp: clientAddressOf(req) });
    res.status(204).end();
  });

  // DELETE may carry a body here: the password that proves it is the user (RFC 9110 §9.3.5 allows it).
  router.delete('/auth/account', noStore, authenticated, ...jsonBody(), async (req, res) => {
    const { password } = parseBodyFields(deleteAccountBody, req.body ?? {});
    const caller = callerOf(res);
    await accounts.deleteAccount({ userId: caller.sub, password, sid: caller.sid, clientIp: clientAddressOf(req) });
    res.status(204).end();
  });

  return router;
}
