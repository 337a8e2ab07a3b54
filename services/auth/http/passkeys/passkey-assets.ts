import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import { sendScript } from '../account-pages/send-script.js';
import { HOSTED_LOGIN_SCRIPT } from './hosted-login-script.js';
import { ACCOUNT_PASSKEYS_SCRIPT } from './account-passkeys-script.js';

/**
 * The browser half of WebAuthn, served by auth itself (never a CDN): @simplewebauthn/browser's
 * UMD bundle from node_modules (a runtime dependency, so it is in the production image) and the
 * hosted pages' own scripts. Same origin as the pages, so their CSP (`script-src 'self'`) holds.
 */
export function passkeyAssetRoutes(): Router {
  const router = Router();
  let bundle: Promise<string> | undefined;
  // Read on first use, then kept: createApp does no I/O, and the file never changes under a running process.
  const browserBundle = () => (bundle ??= readFile(browserBundlePath(), 'utf8'));

  router.get('/auth/webauthn/js/simplewebauthn-browser.js', async (_req, res) => {
    sendScript(res, await browserBundle());
  });
  router.get('/auth/webauthn/js/hosted-login.js', (_req, res) => sendScript(res, HOSTED_LOGIN_SCRIPT));
  router.get('/auth/webauthn/js/account-passkeys.js', (_req, res) => sendScript(res, ACCOUNT_PASSKEYS_SCRIPT));
  return router;
}

/** The package exports only its entry points; the bundle sits beside them in the package. */
function browserBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return path.join(entry, '..', '..', 'dist', 'bundle', 'index.umd.min.js');
}
