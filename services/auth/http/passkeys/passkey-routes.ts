import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import { expressTrustOf } from '../../../../lib/express/dpop-binding.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import type { PasskeyUseCases } from '../../domain/passkeys/passkey-use-cases.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';
import { tokenRequestProof } from '../tokens/token-request-proof.js';
import { bearerOrSessionCookie } from '../sessions/bearer-or-session.js';

// An object here; its members are checked by the domain (webauthn-json.ts), which names the bad field.
const webauthnJson = z.looseObject({});
const registerBody = z.object({ response: webauthnJson, name: z.unknown().optional() });
const loginOptionsBody = z.object({ username: stringField().max(1024).optional() });
const loginBody = z.object({ response: webauthnJson });
const mfaOptionsBody = z.object({ mfa_token: stringField().min(1, 'is required').max(2048) });

/**
 * /auth/webauthn/* (API.md, "Second factors"): a signed-in user's passkeys (register, list,
 * remove; Bearer, or the browser session from the account page), the passwordless sign-in, and
 * the challenge of a passkey as second factor (POST /auth/login/mfa/options). Thin handlers, one use case each; every answer is
 * `no-store` (options carry a live challenge, the login a token pair).
 */
export function passkeyRoutes({ auth, passkeys, allowedOrigins }: { auth: AuthUseCases; passkeys: PasskeyUseCases; allowedOrigins: ReadonlySet<string> }): Router {
  const router = Router();
  // The account page (/account/passkeys) calls these with the browser session's cookies.
  const authenticated = bearerOrSessionCookie(bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof), auth.verifyAccessToken, allowedOrigins);
  const noStore: RequestHandler = (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  };
  router.use('/auth/webauthn', ...jsonBody(), noStore);

  router.post('/auth/webauthn/register/options', authenticated, async (_req, res) => {
    res.json(await passkeys.registrationOptions(callerOf(res).sub));
  });

  router.post('/auth/webauthn/register', authenticated, async (req, res) => {
    const body = parseBodyFields(registerBody, req.body);
    res.status(201).json(await passkeys.register(callerOf(res).sub, { response: body.response, name: body.name, clientIp: clientAddressOf(req) }));
  });

  router.get('/auth/webauthn/credentials', authenticated, async (_req, res) => {
    res.json({ credentials: await passkeys.list(callerOf(res).sub) });
  });

  router.delete('/auth/webauthn/credentials/:id', authenticated, async (req, res) => {
    await passkeys.remove(callerOf(res).sub, String(req.params.id));
    res.status(204).end();
  });

  router.post('/auth/webauthn/login/options', async (req, res) => {
    res.json(await passkeys.loginOptions(parseBodyFields(loginOptionsBody, req.body).username));
  });

  router.post('/auth/webauthn/login', async (req, res) => {
    const { response } = parseBodyFields(loginBody, req.body);
    const input = { response, clientIp: clientAddressOf(req), userAgent: req.get('user-agent') };
    // With a DPoP proof (RFC 9449) the tokens are bound to its key, as POST /auth/login binds them.
    res.json(await auth.proofKey(tokenRequestProof(req, expressTrustOf(req)), undefined, (jkt) => passkeys.login({ ...input, jkt })));
  });

  // A passkey as the second step of a login that answered mfa_required: its challenge, for that login only.
  router.post('/auth/login/mfa/options', ...jsonBody(), noStore, async (req, res) => {
    const { mfa_token: mfaToken } = parseBodyFields(mfaOptionsBody, req.body);
    res.json(await passkeys.mfaOptions(auth.secondStep.pending(mfaToken)));
  });

  return router;
}
