import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

/**
 * The hosted pages (login, consent, error, logged out): plain HTML with no inline script and no
 * third-party asset, one inline style allowed by a per-response nonce. The CSP lets forms post
 * only to this origin and to the app's redirect origin (Chromium applies form-action to the
 * redirect that follows a post), and no one may frame the page (clickjacking). A page that needs
 * script (the passkey button) names its files in `scripts`: served by auth itself, the CSP then
 * allows script and fetch from this origin only.
 */
export function sendPage(res: Response, status: number, title: string, body: string, formTargets: string[] = [], { scripts = [] }: { scripts?: string[] } = {}): void {
  const nonce = setPageHeaders(res.status(status), formTargets, { scripts: scripts.length > 0 });
  const scriptTags = scripts.map((src) => `<script src="${escapeHtml(src)}" defer></script>`).join('\n');
  res.send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;background:#f4f5f7;color:#1b1d21}
main{max-width:24rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:8px;box-shadow:0 1px 3px #0003}
h1{font-size:1.4rem;margin-top:0}
label{display:block;margin-top:1rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #767676;border-radius:4px}
button{margin-top:1.25rem;padding:.7rem 1.2rem;font-size:1rem;border-radius:4px;border:0;background:#1a56db;color:#fff;cursor:pointer}
button.secondary{background:#e5e7eb;color:#1b1d21;margin-left:.5rem}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{background:#fde8e8;color:#9b1c1c;padding:.75rem;border-radius:4px}
ul{padding-left:1.25rem}
h2{font-size:1rem;margin-top:1.5rem}
ul.providers{list-style:none;padding:0}
a.provider{display:block;margin-top:.5rem;padding:.6rem;border:1px solid #767676;border-radius:4px;color:#1b1d21;text-decoration:none;text-align:center}
.notice{background:#def7ec;color:#03543f;padding:.75rem;border-radius:4px}
.divider{margin-top:1.5rem;border-top:1px solid #d1d5db;padding-top:.5rem}
.divider button.secondary{margin-left:0}
[hidden]{display:none!important}
</style>
${scriptTags}
</head>
<body>
<main>
${body}
</main>
</body>
</html>`);
}

/**
 * The headers of every hosted page (and the console's): no caching, the strict CSP with a fresh
 * nonce for the page's one inline style, no framing, no referrer. Returns the nonce.
 */
export function setPageHeaders(res: Response, formTargets: string[] = [], { scripts = false }: { scripts?: boolean } = {}): string {
  const nonce = randomBytes(16).toString('base64');
  const formAction = ["'self'", ...new Set(formTargets)].join(' ');
  // Pages with scripts (the passkey button) load them from auth itself only, and talk to it only.
  const scriptPolicy = scripts ? "; script-src 'self'; connect-src 'self'" : '';
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self'${scriptPolicy}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  return nonce;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The authorization request's parameters carried on by the form, so the post re-validates them whole. */
export function hiddenFields(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/** The scripts of the login page's passkey button (http/passkeys/passkey-assets.ts). */
export const LOGIN_PAGE_SCRIPTS = ['/auth/webauthn/js/simplewebauthn-browser.js', '/auth/webauthn/js/hosted-login.js'];

/**
 * A passkey button and the form it posts: the same authorization parameters, and the `step` and
 * `webauthn` fields the script adds with the assertion (added then, not written here, so a form
 * reader that gathers a page's fields sees the password form's `step` alone). `optionsUrl` is
 * where the script asks for the challenge (with the page's mfa_token, when there is one). The
 * button stays hidden until the script found WebAuthn in the browser, so no page shows a button
 * that cannot work.
 */
function passkeyForm(options: { action: string; hidden: string; step: 'passkey' | 'mfa'; optionsUrl: string; label: string }): string {
  return `<form method="post" action="${escapeHtml(options.action)}" id="passkey-form" class="divider" data-options-url="${escapeHtml(options.optionsUrl)}" data-step="${options.step}">
${options.hidden}
<button type="button" id="passkey-button" class="secondary" hidden>${escapeHtml(options.label)}</button>
<p class="error" role="alert" id="passkey-error" hidden></p>
</form>`;
}

/** The login form; its second step (mfaPage) is one more page posted to the same action. */
export function loginPage(options: { appName: string; action: string; hidden: string; error?: string; username?: string; providers?: Array<{ name: string; href: string }> }): string {
  const error = options.error ? `<p class="error" role="alert" id="login-error">${escapeHtml(options.error)}</p>` : '';
  const describedBy = options.error ? ' aria-describedby="login-error"' : '';
  return `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(options.appName)}</strong></p>
${error}
<form method="post" action="${escapeHtml(options.action)}">
${options.hidden}
<input type="hidden" name="step" value="login">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(options.username ?? '')}"${describedBy}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
<button type="submit">Sign in</button>
</form>
${passkeyForm({ action: options.action, hidden: options.hidden, step: 'passkey', optionsUrl: '/auth/webauthn/login/options', label: 'Sign in with a passkey' })}
<p><a href="/account/forgot-password">Forgot password?</a></p>${providerButtons(options.providers ?? [])}`;
}

/** "Continue with ..." links to the upstream providers (docs/federation.md): plain links, no script. */
export function providerButtons(providers: ReadonlyArray<{ name: string; href: string }>): string {
  if (providers.length === 0) return '';
  const items = providers.map(({ name, href }) => `<li><a class="provider" href="${escapeHtml(href)}">Continue with ${escapeHtml(name)}</a></li>`).join('');
  return `\n<h2>Or sign in with</h2>\n<ul class="providers">${items}</ul>`;
}

/**
 * The second step of a sign-in, for the mfa_token the page carries (no session exists until it is
 * answered): a code from the authenticator app or a recovery code, and/or a passkey, as the
 * account has them. The factors travel with the form, so a page shown again after a wrong answer
 * offers the same ones.
 */
export function mfaPage(options: { appName: string; action: string; hidden: string; mfaToken: string; factors: string[]; error?: string }): string {
  const error = options.error ? `<p class="error" role="alert" id="mfa-error">${escapeHtml(options.error)}</p>` : '';
  const describedBy = options.error ? ' aria-describedby="mfa-error"' : '';
  const recovery = options.factors.includes('recovery_code') ? ' or one of your recovery codes' : '';
  const factors = `<input type="hidden" name="factors" value="${escapeHtml(options.factors.join(' '))}">`;
  const codeForm =
    options.factors.includes('totp') || options.factors.includes('recovery_code')
      ? `<form method="post" action="${escapeHtml(options.action)}">
${options.hidden}
<input type="hidden" name="step" value="mfa">
<input type="hidden" name="mfa_token" value="${escapeHtml(options.mfaToken)}">
${factors}
<label for="code">Code from your authenticator app${recovery}</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus${describedBy}>
<button type="submit">Verify</button>
</form>`
      : '';
  const passkey = options.factors.includes('webauthn')
    ? passkeyForm({ action: options.action, hidden: `${options.hidden}\n<input type="hidden" name="mfa_token" value="${escapeHtml(options.mfaToken)}">\n${factors}`, step: 'mfa', optionsUrl: '/auth/login/mfa/options', label: 'Use a passkey' })
    : '';
  return `<h1>Two-step verification</h1>
<p>to continue to <strong>${escapeHtml(options.appName)}</strong></p>
${error}
${codeForm}
${passkey}`;
}

export function consentPage(options: { appName: string; action: string; hidden: string; scopes: string[] }): string {
  const items = options.scopes.map((scope) => `<li>${escapeHtml(SCOPE_TEXT[scope] ?? scope)}</li>`).join('');
  return `<h1>Allow access?</h1>
<p><strong>${escapeHtml(options.appName)}</strong> asks to:</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(options.action)}">
${options.hidden}
<input type="hidden" name="step" value="consent">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`;
}

export function errorPage(message: string, heading = 'Sign-in cannot continue'): string {
  return `<h1>${escapeHtml(heading)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p>Go back to the application and try again.</p>`;
}

/** RP-initiated logout without a valid id_token_hint: the user decides (the post ends the session). */
export function logoutConfirmPage(options: { appName?: string; action: string; hidden: string }): string {
  const asker = options.appName ? `<strong>${escapeHtml(options.appName)}</strong> asks to sign you out.` : 'A page asked to sign you out.';
  return `<h1>Sign out?</h1>
<p>${asker} This ends your sign-in here and in the applications you signed in to with it.</p>
<form method="post" action="${escapeHtml(options.action)}">
${options.hidden}
<button type="submit">Sign out</button>
</form>
<p>If you did not ask to sign out, close this page: you stay signed in.</p>`;
}

export const SIGNED_OUT_PAGE = '<h1>You are signed out</h1><p>You can close this window.</p>';

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (openid)',
  profile: 'See your username (profile)',
  email: 'See your email address (email)',
};
