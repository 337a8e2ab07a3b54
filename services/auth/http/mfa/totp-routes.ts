import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import type { Totp } from '../../domain/mfa/totp.js';
import { bearerAuth, callerOf } from '../bearer-auth.js';
import { bearerOrSessionCookie } from '../sessions/bearer-or-session.js';
import { otpauthQrSvg } from './otpauth-qr.js';

const confirmBody = z.object({ code: stringField().max(64) });
const removeBody = z.object({ password: stringField().max(8192) });
// What begin returned, drawn as a QR code; nothing else is drawn (no free QR service).
const qrBody = z.object({ otpauth_uri: stringField().max(512).regex(/^otpauth:\/\/totp\//, 'must be an otpauth://totp/ URI') });

/**
 * TOTP for the signed-in user (API.md, "Second factors"): begin, confirm (the recovery codes,
 * shown this once), remove with the password; Bearer, or the browser session from the account
 * page /account/two-step, which also has its QR code drawn here (locally: the secret never leaves
 * auth for a QR service). Every answer is `no-store`: most carry secrets.
 */
export function totpRoutes({ auth, totp, allowedOrigins }: { auth: AuthUseCases; totp: Totp; allowedOrigins: ReadonlySet<string> }): Router {
  const router = Router();
  const authenticated = bearerOrSessionCookie(bearerAuth(auth.verifyAccessToken, auth.verifyDpopProof), auth.verifyAccessToken, allowedOrigins);
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

  router.post('/auth/mfa/totp/qr', authenticated, async (req, res) => {
    res.type('image/svg+xml').send(await otpauthQrSvg(parseBodyFields(qrBody, req.body).otpauth_uri));
  });

  router.delete('/auth/mfa/totp', authenticated, async (req, res) => {
    await totp.remove(callerOf(res).sub, parseBodyFields(removeBody, req.body).password, clientAddressOf(req));
    res.status(204).end();
  });

  return router;
}
