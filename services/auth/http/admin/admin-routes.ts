import { Router, type Request, type RequestHandler } from 'express';
import { AppError } from '../../../../lib/errors.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import { newClientSchema, type ClientAdmin } from '../../domain/admin/client-admin.js';
import { parseBodyFields } from '../../../../lib/http/body-fields.js';
import type { UserAdmin } from '../../domain/admin/user-admin.js';
import { KeySetReadOnlyError, type KeyRotation, type RotatedKey } from '../../domain/tokens/signing-key-set.js';
import type { AdminCaller, AuthEvents } from '../../domain/auth-events.js';
import { roleNameSchema } from '../../domain/users/roles.js';
import { z } from 'zod';
import { adminAuth, adminUserOf } from './admin-auth.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';

export interface AdminRoutesDeps {
  /** Lets in an access token of a user with role admin and scope admin (bearerAuth). */
  userAuth: RequestHandler;
  adminToken: string;
  clients: ClientAdmin;
  users: UserAdmin;
  keys: KeyRotation;
  /** Reported with a rotation, so the operator knows when the new key starts signing. */
  publishDelaySeconds: number;
  /** Where refused admin requests are reported (audit trail). */
  events: AuthEvents;
}

/**
 * The admin API (`/admin`, Bearer AUTH_ADMIN_TOKEN): clients, user locks and key rotation. Mounted
 * only when the token is configured; otherwise every /admin path is a plain 404.
 */
export function adminRoutes({ adminToken, userAuth, clients, users, keys, publishDelaySeconds, events }: AdminRoutesDeps): Router {
  const router = Router();
  router.use('/admin', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use('/admin', adminAuth(adminToken, events, userAuth), ...jsonBody());

  router.post('/admin/clients', async (req, res) => {
    const created = await clients.create(parseBodyFields(newClientSchema, req.body), caller(req));
    res.status(201).location(`/admin/clients/${encodeURIComponent(created.client_id)}`).json(created);
  });

  router.get('/admin/clients', async (_req, res) => {
    res.json({ clients: await clients.list() });
  });

  router.delete('/admin/clients/:id', async (req, res) => {
    await clients.delete(String(req.params.id), caller(req));
    res.status(204).end();
  });

  router.post('/admin/clients/:id/disable', async (req, res) => {
    res.json(await clients.disable(String(req.params.id), caller(req)));
  });

  router.get('/admin/users', async (req, res) => {
    res.json(await users.findByUsername(req.query.username));
  });

  // PATCH {roles}: the whole new list (RFC 7396 style: what is given replaces what was there).
  router.patch('/admin/users/:id', async (req, res) => {
    const { roles } = parseBodyFields(userPatchSchema, req.body);
    res.json(await users.setRoles(String(req.params.id), roles, caller(req)));
  });

  router.delete('/admin/users/:id', async (req, res) => {
    await users.deleteUser(String(req.params.id), caller(req));
    res.status(204).end();
  });

  router.get('/admin/users/:id/sessions', async (req, res) => {
    res.json(await users.listSessions(String(req.params.id)));
  });

  router.delete('/admin/users/:id/sessions', async (req, res) => {
    await users.endSessions(String(req.params.id), caller(req));
    res.status(204).end();
  });

  router.delete('/admin/users/:id/sessions/:sid', async (req, res) => {
    await users.endSession(String(req.params.id), String(req.params.sid), caller(req));
    res.status(204).end();
  });

  router.delete('/admin/users/:id/factors', async (req, res) => {
    await users.removeFactors(String(req.params.id), caller(req));
    res.status(204).end();
  });

  router.post('/admin/users/:id/password-reset', async (req, res) => {
    await users.sendPasswordReset(String(req.params.id), caller(req));
    res.status(202).json({ status: 'accepted' });
  });

  router.post('/admin/users/:id/lock', async (req, res) => {
    res.json(await users.lock(String(req.params.id), caller(req)));
  });

  router.post('/admin/users/:id/unlock', async (req, res) => {
    res.json(await users.unlock(String(req.params.id), caller(req)));
  });

  router.post('/admin/keys/rotate', async (_req, res) => {
    const { kid, activatesAt } = await rotateOrExplain(keys);
    res.status(201).json({ kid, activates_at: activatesAt.toISOString(), publish_delay_seconds: publishDelaySeconds });
  });

  return router;
}

/** What an operator may change of a user here: the roles (role names as tokens and routes use them). */
const userPatchSchema = z.strictObject({ roles: z.array(roleNameSchema).max(50, 'must list at most 50 roles') });

const caller = (req: Request): AdminCaller => {
  const userId = req.res ? adminUserOf(req.res) : undefined;
  return { source: 'admin_api', clientIp: clientAddressOf(req), ...(userId === undefined ? {} : { userId }) };
};

/**
 * A read-only key set (mounted Secret or file secret) is a deployment choice, not a fault: the
 * caller gets a 409 telling them where rotation happens instead, rather than a bare 500.
 */
async function rotateOrExplain(keys: KeyRotation): Promise<RotatedKey> {
  try {
    return await keys.rotate();
  } catch (err) {
    if (!(err instanceof KeySetReadOnlyError)) throw err;
    throw new AppError(
      'KEY_STORE_READ_ONLY',
      409,
      'AUTH_SIGNING_KEY_FILE is read-only here; rotate with `npm run keys -- rotate` (in the image: `node dist/scripts/keys.js rotate`) and update the mounted secret',
      { error: 'key_store_read_only', cause: err },
    );
  }
}
