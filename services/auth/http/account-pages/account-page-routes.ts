import { Router, type Request, type Response } from 'express';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { formBody } from '../../../../lib/http/request-body.js';
import { isAppError, type AppError } from '../../../../lib/errors.js';
import type { AccountUseCases } from '../../domain/accounts/account-use-cases.js';
import { INVITATION_PAGE_PATH } from '../../domain/accounts/invitation.js';
import { sendPage } from '../app-flow/app-pages.js';
import { ACCOUNT_FORM_CSRF_COOKIE, boundFormCsrf } from '../app-flow/form-csrf.js';
import { queryParams } from '../app-flow/query-params.js';
import {
  accountErrorPage,
  EMAIL_VERIFIED_PAGE,
  FORGOT_SENT_PAGE,
  forgotPasswordPage,
  INVITATION_DONE_PAGE,
  invalidLinkPage,
  passwordLinkTitle,
  PASSWORD_RESET_DONE_PAGE,
  resetPasswordPage,
  type PasswordLinkKind,
  verifyEmailPage,
} from './account-pages-html.js';

export interface AccountPageRoutesDeps {
  accounts: AccountUseCases;
  /** `Secure` on the cookies (COOKIE_SECURE). */
  secure: boolean;
}

const FORGED = 'This form has expired or was not sent from this site. Nothing was changed; open the page again.';

/** A single, non-empty string (a query parameter or a form field); anything else is undefined. */
const single = (values: readonly string[] | undefined) => (values?.length === 1 && values[0] !== '' ? values[0] : undefined);
const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');

/** A refusal about the link (its shape, or unknown, expired, used, stale), as opposed to the new password. */
const isBadLink = (err: AppError) => err.error === 'invalid_grant' || (err.code === 'INVALID_FIELD' && err.message.startsWith('token:'));

/**
 * The hosted account pages (API.md, "Accounts"): GET /account/forgot-password,
 * /account/reset-password?token=, /account/set-password?token= (an invitation),
 * /account/verify-email?token= and the posts of their forms. A
 * GET never spends a token (mail scanners and link previews open links); only the form's post
 * does, through the same use cases as the JSON endpoints. Every post carries the bound CSRF token
 * of form-csrf.ts (cookie `auth_account_csrf`, Path /account), bound to the page's purpose and
 * link token. sendPage answers `no-store`, `Referrer-Policy: no-referrer` and the strict CSP.
 */
export function accountPageRoutes({ accounts, secure }: AccountPageRoutesDeps): Router {
  const router = Router();
  const form = formBody();
  const csrf = boundFormCsrf({ secure, cookie: ACCOUNT_FORM_CSRF_COOKIE, path: '/account' });
  const forgotBinding = 'forgot-password';
  const linkBinding = (purpose: PasswordLinkKind | 'verify', token: string) => `${purpose}\0${token}`;
  const forged = (res: Response) => sendPage(res, 403, 'Form expired', accountErrorPage(FORGED));
  const linkToken = (req: Request) => single(queryParams(req.url).get('token'));

  router.get('/account/forgot-password', (_req, res) => {
    sendPage(res, 200, 'Forgot password', forgotPasswordPage({ csrf: csrf.issue(res, forgotBinding) }));
  });

  router.post('/account/forgot-password', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!csrf.valid(req, body.csrf, forgotBinding)) return forged(res);
    const login = field(body, 'login');
    try {
      await accounts.reset.forgot({ login, clientIp: clientAddressOf(req) });
    } catch (err) {
      if (!isAppError(err)) throw err;
      if (err.status === 429) {
        if (err.headers['Retry-After']) res.set('Retry-After', err.headers['Retry-After']);
        return sendPage(res, 429, 'Too many requests', accountErrorPage('Too many requests for this account or from this address. Wait a few minutes, then try again.'));
      }
      if (err.code !== 'INVALID_FIELD') throw err;
      const page = forgotPasswordPage({ csrf: csrf.issue(res, forgotBinding), error: 'Enter your username or e-mail address (at most 254 characters).', login: login.slice(0, 254) });
      return sendPage(res, 400, 'Forgot password', page);
    }
    // The same page whether or not an account matched (no enumeration, as the JSON endpoint).
    sendPage(res, 200, 'Check your mail', FORGOT_SENT_PAGE);
  });

  // A reset link and an invitation link: one form, two wordings, each spending its own purpose.
  const passwordLinks: Array<{ kind: PasswordLinkKind; path: string; spend: (input: { token: string; password: string }) => Promise<void>; done: [string, string] }> = [
    { kind: 'reset', path: '/account/reset-password', spend: (input) => accounts.reset.reset(input), done: ['Password changed', PASSWORD_RESET_DONE_PAGE] },
    { kind: 'invitation', path: INVITATION_PAGE_PATH, spend: (input) => accounts.invitation.accept(input), done: ['Password set', INVITATION_DONE_PAGE] },
  ];
  for (const { kind, path, spend, done } of passwordLinks) {
    const title = passwordLinkTitle(kind);
    router.get(path, (req, res) => {
      const token = linkToken(req);
      if (!token) return sendPage(res, 400, 'Link does not work', invalidLinkPage(kind));
      sendPage(res, 200, title, resetPasswordPage({ kind, token, csrf: csrf.issue(res, linkBinding(kind, token)) }));
    });

    router.post(path, form, async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const token = field(body, 'token');
      if (!csrf.valid(req, body.csrf, linkBinding(kind, token))) return forged(res);
      // Refusals that leave the link usable show the form again, with a fresh CSRF token.
      const again = (error: string) => sendPage(res, 400, title, resetPasswordPage({ kind, token, csrf: csrf.issue(res, linkBinding(kind, token)), error }));
      const password = field(body, 'password');
      if (password !== field(body, 'password_again')) return again('The two passwords differ. Type the same new password twice.');
      try {
        await spend({ token, password });
      } catch (err) {
        if (!isAppError(err)) throw err;
        if (isBadLink(err)) return sendPage(res, 400, 'Link does not work', invalidLinkPage(kind));
        // The domain names the rule ("password: must be 12-1024 characters"): shown as it is worded.
        if (err.code === 'INVALID_FIELD' && err.message.startsWith('password:')) return again(`The new password ${err.message.slice('password:'.length).trim()}.`);
        throw err;
      }
      sendPage(res, 200, done[0], done[1]);
    });
  }

  router.get('/account/verify-email', (req, res) => {
    const token = linkToken(req);
    if (!token) return sendPage(res, 400, 'Link does not work', invalidLinkPage('verify'));
    sendPage(res, 200, 'Verify your e-mail address', verifyEmailPage({ token, csrf: csrf.issue(res, linkBinding('verify', token)) }));
  });

  router.post('/account/verify-email', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = field(body, 'token');
    if (!csrf.valid(req, body.csrf, linkBinding('verify', token))) return forged(res);
    try {
      await accounts.verification.verify(token);
    } catch (err) {
      if (isAppError(err) && isBadLink(err)) return sendPage(res, 400, 'Link does not work', invalidLinkPage('verify'));
      throw err;
    }
    sendPage(res, 200, 'E-mail address verified', EMAIL_VERIFIED_PAGE);
  });

  return router;
}
