import { escapeHtml } from '../app-flow/app-pages.js';

/**
 * The bodies of the hosted account pages (sent by app-pages.ts's sendPage: strict CSP, no
 * script, no third-party asset). Form actions are relative (`reset-password`, not
 * `/account/reset-password`), so the pages also work under an AUTH_PUBLIC_URL with a path prefix.
 * A page never shows the link's token except in the hidden field of its own form.
 */

const hidden = (name: string, value: string) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

function alert(message: string | undefined, id: string): { html: string; describedBy: string } {
  if (!message) return { html: '', describedBy: '' };
  return { html: `<p class="error" role="alert" id="${id}">${escapeHtml(message)}</p>`, describedBy: ` aria-describedby="${id}"` };
}

export function forgotPasswordPage(options: { csrf: string; error?: string; login?: string }): string {
  const error = alert(options.error, 'forgot-error');
  return `<h1>Forgot your password?</h1>
<p>Enter your username or e-mail address. If an account matches and its address is verified, we send a link to set a new password.</p>
${error.html}
<form method="post" action="forgot-password">
${hidden('csrf', options.csrf)}
<label for="login">Username or e-mail address</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="254" value="${escapeHtml(options.login ?? '')}"${error.describedBy}>
<button type="submit">Send the link</button>
</form>`;
}

/** The same words whatever happened: whether an account matched is not told here. */
export const FORGOT_SENT_PAGE = `<h1>Check your mail</h1>
<p role="status">If an account matches, a mail with a link to set a new password is on its way. The link works once and expires.</p>
<p>No mail? Check the spam folder, or <a href="forgot-password">ask again</a>.</p>`;

/** The two links that set a password: a reset, and an operator's invitation (its first password). */
export type PasswordLinkKind = 'reset' | 'invitation';

const PASSWORD_LINK_WORDING: Record<PasswordLinkKind, { heading: string; intro: string; action: string; label: string }> = {
  reset: { heading: 'Set a new password', intro: '', action: 'reset-password', label: 'New password' },
  invitation: { heading: 'Welcome: choose your password', intro: '<p>An account has been made for you. Choose its password to start using it; this also confirms your e-mail address.</p>\n', action: 'set-password', label: 'Password' },
};

export const passwordLinkTitle = (kind: PasswordLinkKind) => PASSWORD_LINK_WORDING[kind].heading;

export function resetPasswordPage(options: { token: string; csrf: string; error?: string; kind?: PasswordLinkKind }): string {
  const error = alert(options.error, 'reset-error');
  const wording = PASSWORD_LINK_WORDING[options.kind ?? 'reset'];
  return `<h1>${wording.heading}</h1>
${wording.intro}${error.html}
<form method="post" action="${wording.action}">
${hidden('token', options.token)}
${hidden('csrf', options.csrf)}
<label for="password">${wording.label}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required${error.describedBy}>
<label for="password-again">${wording.label}, again</label>
<input id="password-again" name="password_again" type="password" autocomplete="new-password" required>
<p>At least 12 characters; a passphrase of several words is easiest to remember.</p>
<button type="submit">Set the password</button>
</form>`;
}

export const PASSWORD_RESET_DONE_PAGE = `<h1>Your password is changed</h1>
<p role="status">Every sign-in of your account has ended. Go back to the application and sign in with your new password.</p>`;

export const INVITATION_DONE_PAGE = `<h1>Your password is set</h1>
<p role="status">Your account is ready and your e-mail address is confirmed. Go to the application and sign in.</p>`;

export function verifyEmailPage(options: { token: string; csrf: string }): string {
  return `<h1>Verify your e-mail address</h1>
<p>Confirm that this address belongs to your account.</p>
<form method="post" action="verify-email">
${hidden('token', options.token)}
${hidden('csrf', options.csrf)}
<button type="submit">Verify</button>
</form>`;
}

export const EMAIL_VERIFIED_PAGE = `<h1>Your e-mail address is verified</h1>
<p role="status">You can close this page and go back to the application.</p>`;

/** A link that is malformed, unknown, expired, already used or stale: all look the same. */
export function invalidLinkPage(kind: 'reset' | 'verify' | 'invitation'): string {
  const next = {
    reset: '<p><a href="forgot-password">Ask for a new link</a>.</p>',
    verify: '<p>Sign in to the application and ask for a new verification mail.</p>',
    invitation: '<p>Ask the person who invited you to send a new invitation.</p>',
  }[kind];
  return `<h1>This link does not work</h1>
<p class="error" role="alert">The link is invalid, has expired or was already used.</p>
${next}`;
}

export function accountErrorPage(message: string): string {
  return `<h1>This did not work</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>`;
}
