import { Router, type Response } from 'express';
import { z } from 'zod';
import { jsonBody } from '../../../../lib/http/request-body.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import type { TokenPair } from '../../domain/tokens/token-pair.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { tokenRequestProof } from '../tokens/token-request-proof.js';
import { expressTrustOf } from '../../../../lib/express/dpop-binding.js';
import { parseSecondStep } from '../mfa/second-step-body.js';

const registerBody = z.object({ username: stringField(), password: stringField(), email: stringField().optional() });
const loginBody = z.object({ username: stringField(), password: stringField() });
const refreshBody = z.object({ refresh_token: stringField() });
const logoutBody = z.object({ refresh_token: stringField().optional() });

/** RFC 6749 §5.1: token responses must not be cached by anyone. */
function sendTokens(res: Response, pair: TokenPair): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(pair);
}

/** The first-party user API: JSON in, JSON out; each handler parses, calls one use case, answers. */
export function userApiRoutes(auth: AuthUseCases): Router {
  const router = Router();
  const authenticated = bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof);
  router.use('/auth', jsonBody());

  router.post('/auth/register', async (req, res) => {
    const user = await auth.register({ ...parseBodyFields(registerBody, req.body), clientIp: clientAddressOf(req) });
    res.status(201).set('Cache-Control', 'no-store').json(user);
  });

  router.post('/auth/login', async (req, res) => {
    const { username, password } = parseBodyFields(loginBody, req.body);
    sendTokens(res, await auth.login({ username, password, clientIp: clientAddressOf(req), userAgent: req.get('user-agent') }, tokenRequestProof(req, expressTrustOf(req))));
  });

  // The second step of a login that answered 401 mfa_required (the same DPoP binding as login).
  router.post('/auth/login/mfa', async (req, res) => {
    const step = parseSecondStep(req.body);
    sendTokens(res, await auth.completeLogin({ ...step, clientIp: clientAddressOf(req), userAgent: req.get('user-agent') }, tokenRequestProof(req, expressTrustOf(req))));
  });

  router.post('/auth/refresh', async (req, res) => {
    sendTokens(res, await auth.refreshWithProof(parseBodyFields(refreshBody, req.body).refresh_token, tokenRequestProof(req, expressTrustOf(req))));
  });

  router.post('/auth/logout', authenticated, async (req, res) => {
    await auth.logout(callerOf(res), parseBodyFields(logoutBody, req.body).refresh_token);
    res.status(204).end();
  });

  router.get('/auth/me', authenticated, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await auth.me(callerOf(res)));
  });

  return router;
}
