import { type RequestHandler, Router } from 'express';
import { AppError, isAppError } from '../../../../lib/errors.js';
import { parseBodyFields } from '../../../../lib/http/body-fields.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import { newClientSchema, type ClientAdmin } from '../../domain/admin/client-admin.js';
import type { AuthEvents } from '../../domain/auth-events.js';
import { adminAuth } from '../admin/admin-auth.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';

/**
 * RFC 7591 dynamic client registration, protected (§3) by an initial access token: the admin
 * token, so registration stays an operator's act, as with the admin API it shares its use case
 * with. Without AUTH_ADMIN_TOKEN the path is 404, as the admin API is.
 */
export function registrationRoutes({ adminToken, userAuth, clients, events }: { adminToken: string | undefined; userAuth: RequestHandler; clients: ClientAdmin; events: AuthEvents }): Router {
  const router = Router();
  if (adminToken === undefined) {
    // Said here, before the form-only /oauth routes would call a JSON body a bad request.
    router.post('/oauth/register', () => {
      throw new AppError('REGISTRATION_OFF', 404, 'client registration is off: AUTH_ADMIN_TOKEN is not set', { error: 'not_found' });
    });
    return router;
  }
  router.post('/oauth/register', (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  });
  router.post('/oauth/register', adminAuth(adminToken, events, userAuth), ...jsonBody(), async (req, res) => {
    const created = await clients.create(asRegistrationError(() => parseBodyFields(newClientSchema, req.body)), { source: 'registration', clientIp: clientAddressOf(req) });
    res.status(201).json(created);
  });
  return router;
}

/** §3.2.2 error values for a body whose fields are bad: the admin API's invalid_request, renamed. */
function asRegistrationError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!isAppError(err) || err.code !== 'INVALID_FIELD') throw err;
    const redirect = /^(redirect_uris|post_logout_redirect_uris)\b/.test(err.message);
    throw new AppError('CLIENT_METADATA_INVALID', 400, err.message, { error: redirect ? 'invalid_redirect_uri' : 'invalid_client_metadata', cause: err });
  }
}
