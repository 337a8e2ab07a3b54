import { Router } from 'express';
import { escapeHtml, providerButtons, sendPage } from '../app-flow/app-pages.js';
import { ACCOUNT_SESSION_SCRIPT_PATH, sessionSignInForm } from '../account-pages/account-session-assets.js';
import { sendScript } from '../account-pages/send-script.js';
import { ACCOUNT_IDENTITIES_SCRIPT } from './account-identities-script.js';

const PAGE = '/account/identities';
const SCRIPT = '/account/js/identities.js';
const SCRIPTS = [ACCOUNT_SESSION_SCRIPT_PATH, SCRIPT];

/**
 * GET /account/identities: the accounts at upstream providers that sign the user in here
 * (docs/federation.md), listed and removed, and one more linked, by its script over
 * /auth/account/identities with the browser session. Signed out, the page offers the password
 * sign-in and "Continue with" each provider (a federated account has no password), both coming
 * back here. The providers are configuration, escaped; everything about the user arrives by the
 * script and is written as text.
 */
export function accountIdentitiesPage(providers: ReadonlyArray<{ id: string; name: string }>): Router {
  const router = Router();
  const body = pageBody(providers);
  router.get(PAGE, (_req, res) => sendPage(res, 200, 'Linked accounts', body, [], { scripts: SCRIPTS }));
  router.get(SCRIPT, (_req, res) => sendScript(res, ACCOUNT_IDENTITIES_SCRIPT));
  return router;
}

function pageBody(providers: ReadonlyArray<{ id: string; name: string }>): string {
  const signIn = providers.map(({ id, name }) => ({ name, href: `/auth/federation/${encodeURIComponent(id)}/start?return_to=${encodeURIComponent(PAGE)}` }));
  const link = providers.map(({ id, name }) => `<li><button type="button" data-provider="${escapeHtml(id)}">Link ${escapeHtml(name)}</button></li>`).join('');
  return `<h1>Linked accounts</h1>
<p>Accounts you have elsewhere that sign you in here.</p>
<p class="error" role="alert" id="identities-status" hidden></p>
<noscript><p class="error">This page needs JavaScript.</p></noscript>
${sessionSignInForm()}
<div id="signin-providers" hidden>${providerButtons(signIn)}</div>
<section id="identities" hidden>
<ul id="identity-list"></ul>
<p id="identity-empty" hidden>No linked accounts yet.</p>
<h2>Link another account</h2>
${providers.length > 0 ? `<ul class="providers">${link}</ul>` : '<p>No identity providers are configured.</p>'}
</section>`;
}
