import { Router, type Request, type RequestHandler, type Response } from 'express';
import { isAppError } from '../../../../lib/errors.js';
import type { RecentAuditEvents } from '../../domain/admin/recent-audit-events.js';
import type { KeyRotation, SigningKeySet } from '../../domain/tokens/signing-key-set.js';
import { rotateOrExplain } from '../admin/key-rotation.js';
import { queryParams } from '../app-flow/query-params.js';
import { sendConsolePage, type ConsoleSection } from './console-layout.js';
import { consoleAdminOf } from './console-session.js';
import { auditPage, keysPage } from './keys-audit-html.js';

export interface ConsoleKeysAuditDeps {
  keys: SigningKeySet & KeyRotation;
  publishDelaySeconds: number;
  recentAuditEvents: RecentAuditEvents;
  requireAdmin: RequestHandler;
  requireForm: RequestHandler[];
}

/** How many audit lines the console shows (the newest). */
const AUDIT_PAGE_SIZE = 200;

/**
 * The signing keys (list; rotate, as POST /admin/keys/rotate does) and the newest audit lines of
 * this process (the ring buffer behind GET /admin/audit-events).
 */
export function consoleKeysAuditRoutes({ keys, publishDelaySeconds, recentAuditEvents, requireAdmin, requireForm }: ConsoleKeysAuditDeps): Router {
  const router = Router();
  const chromeOf = (res: Response, section: ConsoleSection) => {
    const { claims, csrf } = consoleAdminOf(res);
    return { section, username: claims.username ?? claims.sub, csrf };
  };

  function keysAnswer(req: Request, res: Response, extra: { status?: number; error?: string } = {}): void {
    const done = queryParams(req.url).get('done')?.[0] === 'rotated' ? `A new key is published; it starts signing in ${publishDelaySeconds} seconds.` : undefined;
    const page = keysPage({ keys: keys.publicJwks().keys, signingKid: keys.currentSigningKey().kid, csrf: consoleAdminOf(res).csrf, publishDelaySeconds, done, error: extra.error });
    sendConsolePage(res, extra.status ?? 200, 'Signing keys', page, chromeOf(res, 'keys'));
  }

  router.get('/console/keys', requireAdmin, (req, res) => keysAnswer(req, res));

  router.post('/console/keys/rotate', requireAdmin, ...requireForm, async (req, res) => {
    try {
      await rotateOrExplain(keys);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return keysAnswer(req, res, { status: err.status, error: err.message });
    }
    res.redirect(303, '/console/keys?done=rotated');
  });

  router.get('/console/audit', requireAdmin, (_req, res) => {
    sendConsolePage(res, 200, 'Audit events', auditPage({ entries: recentAuditEvents.newest(AUDIT_PAGE_SIZE), capacity: recentAuditEvents.capacity }), chromeOf(res, 'audit'));
  });

  return router;
}
