import { Router, type ErrorRequestHandler } from 'express';
import { isAppError } from '../../../../lib/errors.js';
import type { ClientAdmin } from '../../domain/admin/client-admin.js';
import type { RecentAuditEvents } from '../../domain/admin/recent-audit-events.js';
import type { UserAdmin } from '../../domain/admin/user-admin.js';
import type { KeyRotation, SigningKeySet } from '../../domain/tokens/signing-key-set.js';
import { escapeHtml } from '../app-flow/app-pages.js';
import { consoleClientsRoutes } from './console-clients.js';
import { consoleKeysAuditRoutes } from './console-keys-audit.js';
import { sendConsolePage } from './console-layout.js';
import { consoleSession, type ConsoleSessionDeps } from './console-session.js';
import { consoleUsersRoutes } from './console-users.js';

export interface ConsoleRoutesDeps extends ConsoleSessionDeps {
  users: UserAdmin;
  clients: ClientAdmin;
  keys: SigningKeySet & KeyRotation;
  publishDelaySeconds: number;
  recentAuditEvents: RecentAuditEvents;
}

/**
 * The admin console at /console/ (docs/operations.md, "The console"): server-rendered pages, no
 * script, every write a form with this sign-in's CSRF value, every act through the admin API's
 * use cases with the admin API's authorization rule.
 */
export function consoleRoutes(deps: ConsoleRoutesDeps): Router {
  const session = consoleSession(deps);
  const guards = { requireAdmin: session.requireAdmin, requireForm: session.requireForm };
  const router = Router();
  router.use(session.router);
  router.use(consoleUsersRoutes({ users: deps.users, ...guards }));
  router.use(consoleClientsRoutes({ clients: deps.clients, ...guards }));
  router.use(consoleKeysAuditRoutes({ keys: deps.keys, publishDelaySeconds: deps.publishDelaySeconds, recentAuditEvents: deps.recentAuditEvents, ...guards }));
  // A refusal a page did not handle itself (a malformed form, say) is a page too, not a JSON body.
  const asPage: ErrorRequestHandler = (err, req, res, next) => {
    if (!req.path.startsWith('/console') || !isAppError(err) || err.status >= 500 || res.headersSent) return next(err);
    sendConsolePage(res, err.status, 'Request refused', `<h1>Request refused</h1><p class="error" role="alert">${escapeHtml(err.message)}</p><p><a href="/console/">Back to the console</a></p>`);
  };
  router.use(asPage);
  return router;
}
