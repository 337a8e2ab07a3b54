import { Router } from 'express';
import { ACCOUNT_SESSION_SCRIPT } from './account-session-script.js';
import { sendScript } from './send-script.js';

/** Where the account pages load their shared session script from. */
export const ACCOUNT_SESSION_SCRIPT_PATH = '/account/js/session.js';

export function accountSessionAssetRoutes(): Router {
  const router = Router();
  router.get(ACCOUNT_SESSION_SCRIPT_PATH, (_req, res) => sendScript(res, ACCOUNT_SESSION_SCRIPT));
  return router;
}
