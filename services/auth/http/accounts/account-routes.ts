import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import type { AccountUseCases } from '../../domain/accounts/account-use-cases.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';
import { bearerOrSessionCookie } from '../sessions/bearer-or-session.js';

// Upper bounds before any work: the domain checks shapes and policy, these keep junk small.
const tokenBody = z.object({ token: stringField().max(256) });
const forgotBody = z.object({ login: stringField().max(1024) });
const resetBody = z.object({ token: stringField().max(256), password: stringField().max(8192) });
const changeBody = z.object({ current_password: stringField().max(8192), new_password: stringField().max(8192) });
const emailBody = z.object({ email: stringField().max(1024) });

/** The same body for every accepted request: nothing in it says what happened next. */
const ACCEPTED = { status: 'accepted' } as const;

/**
 * The account's self-service (API.md, "Accounts"): thin handlers, one use case each. Answers
 * never carry a token, yet are `no-store`: they are about one account.
 */
export function accountRoutes({ auth, accounts, allowedOrigins }: { auth: AuthUseCases; accounts: AccountUseCases; allowedOrigins: ReadonlySet<string> }): Router {
  const router = Router();
  const authenticated = bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof);
  // The account pages (/account/two-step) read the account, its factors included, with the browser session.
  const readable = bearerOrSessionCookie(authenticated, auth.verifyAccessToken, allowedOrigins);
  const noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  router.use(['/auth/email', '/auth/password', '/auth/account'], ...jsonBody(), noStore);

  router.get('/auth/account', readable, async (_req, res) => {
    res.json(await accounts.account(callerOf(res).sub));
  });

  router.put('/auth/account/email', authenticated, async (req, res) => {
    await accounts.verification.change(callerOf(res).sub, parseBodyFields(emailBody, req.body).email);
    res.status(202).json(ACCEPTED);
  });

  router.post('/auth/email/verify', async (req, res) => {
    await accounts.verification.verify(parseBodyFields(tokenBody, req.body).token);
    res.status(204).end();
  });

  router.post('/auth/email/resend', authenticated, async (_req, res) => {
    await accounts.verification.resend(callerOf(res).sub);
    res.status(202).json(ACCEPTED);
  });

  router.post('/auth/password/forgot', async (req, res) => {
    await accounts.reset.forgot({ login: parseBodyFields(forgotBody, req.body).login, clientIp: clientAddressOf(req) });
    res.status(202).json(ACCEPTED);
  });

  router.post('/auth/password/reset', async (req, res) => {
    await accounts.reset.reset(parseBodyFields(resetBody, req.body));
    res.status(204).end();
  });

  router.post('/auth/password/change', authenticated, async (req, res) => {
    const { current_password: currentPassword, new_password: newPassword } = parseBodyFields(changeBody, req.body);
    const caller = callerOf(res);
    await accounts.changePassword({ userId: caller.sub, sid: caller.sid, currentPassword, newPassword, clientIp: clientAddressOf(req) });
    res.status(204).end();
  });

  return router;
}
