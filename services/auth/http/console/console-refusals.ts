import type { Response } from 'express';
import { escapeHtml } from '../app-flow/app-pages.js';
import { sendConsolePage } from './console-layout.js';

/** A refusal before or outside a signed-in page: what happened, and how to sign in again. */
export function refusedPage(res: Response, status: number, heading: string, text: string): void {
  sendConsolePage(
    res,
    status,
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p class="error" role="alert">${escapeHtml(text)}</p>
<p><a href="/console/login">Sign in again</a> (with another account, sign out of authgate first: <a href="/oauth/logout">sign out</a>).</p>`,
  );
}

/** A user who signed in but may not administer: told so plainly. */
export const notAdminPage = (res: Response) =>
  refusedPage(res, 403, 'No access to the console', 'You are signed in, but your account does not have the admin role. Ask an administrator to give it to you.');
