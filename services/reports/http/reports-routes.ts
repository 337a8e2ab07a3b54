import { Router, type RequestHandler } from 'express';
import type { AccessRequirements } from '../../../lib/verifier/index.js';
import type { Summary, Requester } from '../domain/summary.js';

/** GET /reports/summary (scope reports:read): one use case call per request. */
export function reportsRoutes(summary: (requester: Requester) => Promise<Summary>, requireAuth: (requirements: AccessRequirements) => RequestHandler): Router {
  const router = Router();
  router.get('/reports/summary', requireAuth({ scopes: ['reports:read'] }), async (req, res) => {
    const auth = req.auth!;
    const username = typeof auth.claims.username === 'string' ? auth.claims.username : undefined;
    res.set('Cache-Control', 'no-store').json(await summary({ sub: auth.sub, clientId: auth.clientId, username, token: auth.token }));
  });
  return router;
}
