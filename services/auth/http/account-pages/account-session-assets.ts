import { Router } from 'express';
import { ACCOUNT_SESSION_SCRIPT } from './account-session-script.js';
import { sendScript } from './send-script.js';

/** Where the account pages load their shared session script from. */
export const ACCOUNT_SESSION_SCRIPT_PATH = '/account/js/session.js';

/**
 * The browser-session sign-in form of the account pages, hidden until the session script finds
 * nobody signed in (`offerSignIn` drives it). A page that also offers passkeys asks the browser to
 * suggest them in the username field (`autocomplete="username webauthn"`).
 */
export function sessionSignInForm(options: { passkeys?: boolean } = {}): string {
  return `<form id="signin-form" hidden>
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username${options.passkeys ? ' webauthn' : ''}" autocapitalize="none" spellcheck="false" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`;
}

export function accountSessionAssetRoutes(): Router {
  const router = Router();
  router.get(ACCOUNT_SESSION_SCRIPT_PATH, (_req, res) => sendScript(res, ACCOUNT_SESSION_SCRIPT));
  return router;
}
