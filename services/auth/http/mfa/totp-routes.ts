import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import type { Totp } from '../../domain/mfa/totp.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';

const confirmBody = z.object({ code: stringField().max(64) });
const removeBody = z.object({ password: stringField().max(8192) });

/**
 * TOTP for the signed-in user (API.md, "Second factors"): begin, confirm (the recovery codes,
 * shown this once), remove with the password. Every answer is `no-store`: two carry secrets.
 */
export function totpRoutes({ auth, totp }: { auth: AuthUseCases; totp: Totp }): Router {
  const router = Router();
  const authenticated = bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof);
  const noStore: RequestHandler = (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  };
  router.use('/auth/mfa', ...jsonBody(), noStore);

  router.post('/auth/mfa/totp', authenticated, async (_req, res) => {
    res.json(await totp.begin(callerOf(res).sub));
  });

  router.post('/auth/mfa/totp/confirm', authenticated, async (req, res) => {
    res.json(await totp.confirm(callerOf(res).sub, parseBodyFields(confirmBody, req.body).code, clientAddressOf(req)));
  });

  router.delete('/auth/mfa/totp', authenticated, async (req, res) => {
    await totp.remove(callerOf(res).sub, parseBodyFields(removeBody, req.body).password, clientAddressOf(req));
    res.status(204).end();
  });

  return router;
}
