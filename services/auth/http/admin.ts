import { Router } from 'express';
import { jsonBody } from '../../../lib/http/json-body.js';
import type { ClientAdmin } from '../domain/admin/client-admin.js';
import type { KeyRotation } from '../domain/ports/key-store.js';
import { adminAuth } from './admin-auth.js';

export interface AdminRoutesDeps {
  adminToken: string;
  clients: ClientAdmin;
  keys: KeyRotation;
  /** Reported with a rotation, so the operator knows when the new key starts signing. */
  publishDelaySeconds: number;
}

/**
 * The admin API (`/admin`, Bearer AUTH_ADMIN_TOKEN): clients and key rotation. Mounted only when
 * the token is configured; otherwise every /admin path is a plain 404.
 */
export function adminRoutes({ adminToken, clients, keys, publishDelaySeconds }: AdminRoutesDeps): Router {
  const router = Router();
  router.use('/admin', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use('/admin', adminAuth(adminToken), ...jsonBody());

  router.post('/admin/clients', async (req, res) => {
    const created = await clients.create(req.body);
    res.status(201).location(`/admin/clients/${encodeURIComponent(created.client_id)}`).json(created);
  });

  router.get('/admin/clients', async (_req, res) => {
    res.json({ clients: await clients.list() });
  });

  router.delete('/admin/clients/:id', async (req, res) => {
    await clients.delete(String(req.params.id));
    res.status(204).end();
  });

  router.post('/admin/clients/:id/disable', async (req, res) => {
    res.json(await clients.disable(String(req.params.id)));
  });

  router.post('/admin/keys/rotate', async (_req, res) => {
    const { kid, activatesAt } = await keys.rotate();
    res.status(201).json({ kid, activates_at: activatesAt.toISOString(), publish_delay_seconds: publishDelaySeconds });
  });

  return router;
}
