import { Router } from 'express';
import { sendPage } from '../app-flow/app-pages.js';
import { sendScript } from '../account-pages/send-script.js';
import { ACCOUNT_SESSION_SCRIPT_PATH, sessionSignInForm } from '../account-pages/account-session-assets.js';
import { ACCOUNT_TWO_STEP_SCRIPT } from './account-two-step-script.js';

const SCRIPT = '/account/js/two-step.js';
const SCRIPTS = [ACCOUNT_SESSION_SCRIPT_PATH, SCRIPT];

/**
 * GET /account/two-step: the user's authenticator app (TOTP) on the account pages: whether it is
 * on, enrolment (the QR code drawn by auth, the secret as text), confirmation with a first code
 * (the recovery codes, shown this once), removal with the password. Its script talks to
 * /auth/account and /auth/mfa/totp* with the browser session; signed out, it offers the
 * browser-session sign-in first. The HTML is static: secrets and codes are written as text.
 */
export function accountTwoStepPage(): Router {
  const router = Router();
  router.get('/account/two-step', (_req, res) => {
    sendPage(res, 200, 'Two-step verification', BODY, [], { scripts: SCRIPTS });
  });
  router.get(SCRIPT, (_req, res) => sendScript(res, ACCOUNT_TWO_STEP_SCRIPT));
  return router;
}

const BODY = `<h1>Two-step verification</h1>
<p>After your password, also ask for a code from an authenticator app on your phone.</p>
<p class="error" role="alert" id="totp-status" hidden></p>
<noscript><p class="error">This page needs JavaScript.</p></noscript>
${sessionSignInForm()}
<section id="totp-off" hidden>
<p id="totp-off-state">Authenticator app: <strong>off</strong>.</p>
<button type="button" id="totp-begin">Set up an authenticator app</button>
</section>
<section id="totp-enrol" hidden aria-labelledby="totp-enrol-heading">
<h2 id="totp-enrol-heading">Scan this QR code with your authenticator app</h2>
<figure id="totp-qr" role="img" aria-label="QR code of your new authenticator key"></figure>
<p>Or enter this key by hand: <code id="totp-secret"></code></p>
<form id="totp-confirm">
<label for="totp-code">Code from your authenticator app</label>
<input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">Turn on</button>
</form>
</section>
<section id="totp-recovery" hidden aria-labelledby="totp-recovery-heading">
<h2 id="totp-recovery-heading">Your recovery codes</h2>
<p>Each code signs you in once if you lose your phone. Save them now: they are shown only this once.</p>
<ul id="totp-recovery-codes"></ul>
<button type="button" id="totp-recovery-done">I have saved them</button>
</section>
<section id="totp-on" hidden>
<p>Authenticator app: <strong>on</strong>. <span id="totp-codes-left"></span></p>
<form id="totp-remove">
<label for="totp-remove-password">Password, to turn it off</label>
<input id="totp-remove-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="secondary">Turn off the authenticator app</button>
</form>
</section>
<p class="divider"><a href="/account/passkeys">Passkeys</a></p>`;
