import { Router } from 'express';
import { sendPage } from '../app-flow/app-pages.js';
import { ACCOUNT_SESSION_SCRIPT_PATH, sessionSignInForm } from '../account-pages/account-session-assets.js';

/** The scripts of the passkey management page. */
const SCRIPTS = ['/auth/webauthn/js/simplewebauthn-browser.js', ACCOUNT_SESSION_SCRIPT_PATH, '/auth/webauthn/js/account-passkeys.js'];

/**
 * GET /account/passkeys: the user's passkeys on the account pages, listed, added (named) and
 * removed by its script over /auth/webauthn/* with the browser session's cookies. Signed out,
 * the page offers the browser-session sign-in (POST /auth/session) first. The HTML is static:
 * everything about the user arrives by the script and is written as text, never as markup.
 */
export function accountPasskeysPage(): Router {
  const router = Router();
  router.get('/account/passkeys', (_req, res) => {
    sendPage(res, 200, 'Passkeys', BODY, [], { scripts: SCRIPTS });
  });
  return router;
}

const BODY = `<h1>Passkeys</h1>
<p>Sign in with your fingerprint, face or screen lock instead of a password. Each device or security key you add is listed here.</p>
<p class="error" role="alert" id="passkey-status" hidden></p>
<p><a href="/account/two-step">Authenticator app and recovery codes</a></p>
<noscript><p class="error">This page needs JavaScript to talk to your passkeys.</p></noscript>
${sessionSignInForm({ passkeys: true })}
<section id="passkeys" hidden>
<ul id="passkey-list"></ul>
<p id="passkey-empty" hidden>No passkeys yet.</p>
<form id="passkey-add">
<label for="passkey-name">Name of the new passkey</label>
<input id="passkey-name" name="name" type="text" maxlength="64" placeholder="e.g. Laptop">
<button type="submit">Add a passkey</button>
</form>
</section>`;
