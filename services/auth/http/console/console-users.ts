import { Router, type Request, type RequestHandler, type Response } from 'express';
import { invalidRequest, isAppError } from '../../../../lib/errors.js';
import { parseBodyFields } from '../../../../lib/http/body-fields.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { z } from 'zod';
import type { AdminCaller } from '../../domain/auth-events.js';
import type { UserAdmin, UserView } from '../../domain/admin/user-admin.js';
import { roleListSchema } from '../../domain/users/roles.js';
import { queryParams } from '../app-flow/query-params.js';
import { sendConsolePage } from './console-layout.js';
import { confirmed, consoleAdminOf } from './console-session.js';
import { userDetailPage, usersPage } from './users-html.js';

/** What a write's `?done=` shows: a closed set, so nothing from the URL reaches the page. */
const DONE: Record<string, string> = {
  roles: 'The roles are saved.',
  locked: 'The account is locked and every session ended.',
  unlocked: 'The account is unlocked.',
  reset: 'A password reset link is on its way to the verified address.',
  sessions: 'Every session of the account ended.',
  session: 'The session ended.',
  deleted: 'The user is deleted.',
  factors: 'Every second factor of the account is removed and every session ended.',
};

const rolesFormSchema = z.strictObject({ roles: roleListSchema });
/** Users per page of the list. */
const CONSOLE_PAGE_SIZE = 25;

export interface ConsoleUsersDeps {
  users: UserAdmin;
  requireAdmin: RequestHandler;
  requireForm: RequestHandler[];
}

/** Who did it, for the audit trail: the console, the admin's address and user id. */
export const consoleCaller = (req: Request, res: Response): AdminCaller => ({ source: 'console', clientIp: clientAddressOf(req), userId: consoleAdminOf(res).claims.sub });

const one = (req: Request, name: string) => queryParams(req.url).get(name)?.[0];

/**
 * The users section: search and pages, one user's detail (roles, lock, reset mail, sessions,
 * second factors, delete). Every write calls the admin API's use case (UserAdmin) with a console caller, then
 * redirects to the page it came from (303: reloading it does not post again).
 */
export function consoleUsersRoutes({ users, requireAdmin, requireForm }: ConsoleUsersDeps): Router {
  const router = Router();
  const chromeOf = (res: Response) => {
    const { claims, csrf } = consoleAdminOf(res);
    return { section: 'users' as const, username: claims.username ?? claims.sub, csrf };
  };

  // /console and /console/ alike (express routes are not strict about the trailing slash).
  router.get('/console/', requireAdmin, (_req, res) => res.redirect(302, '/console/users'));

  // The admin API's list: a username (or, with @, e-mail) prefix, keyset pages by cursor.
  router.get('/console/users', requireAdmin, async (req, res) => {
    const query = (one(req, 'query') ?? '').trim();
    const cursor = one(req, 'cursor');
    let found: UserView[] = [];
    let nextHref: string | undefined;
    let error: string | undefined;
    try {
      const page = await users.listUsers({ query, limit: String(CONSOLE_PAGE_SIZE), ...(cursor ? { cursor } : {}) }, consoleCaller(req, res));
      found = page.users;
      if (page.next_cursor !== null) nextHref = `/console/users?${new URLSearchParams({ ...(query ? { query } : {}), cursor: page.next_cursor })}`;
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      error = err.message;
    }
    const done = DONE[one(req, 'done') ?? ''];
    const page = usersPage({ query, users: found, searched: query !== '', paged: cursor !== undefined, nextHref, done, error });
    sendConsolePage(res, error ? 400 : 200, 'Users', page, chromeOf(res));
  });

  async function detail(req: Request, res: Response, extra: { status?: number; error?: string } = {}): Promise<void> {
    const id = String(req.params.id);
    let user: UserView;
    try {
      user = await users.getUser(id, consoleCaller(req, res));
    } catch (err) {
      if (isAppError(err) && err.status === 404) {
        return sendConsolePage(res, 404, 'No such user', '<h1>No such user</h1><p class="error" role="alert">There is no user with this id (deleted?).</p><p><a href="/console/users">All users</a></p>', chromeOf(res));
      }
      throw err;
    }
    const { sessions } = await users.listSessions(id);
    const page = userDetailPage({ user, sessions, csrf: consoleAdminOf(res).csrf, done: DONE[one(req, 'done') ?? ''], ...(extra.error ? { error: extra.error } : {}) });
    sendConsolePage(res, extra.status ?? 200, `User ${user.username}`, page, chromeOf(res));
  }

  router.get('/console/users/:id', requireAdmin, (req, res) => detail(req, res));

  /** A write on one user: refusals the admin can fix are shown on the user's page; then back to it. */
  function write(path: string, act: (req: Request, res: Response, id: string) => Promise<string>): void {
    router.post(`/console/users/:id${path}`, requireAdmin, ...requireForm, async (req, res) => {
      const id = String(req.params.id);
      let done: string;
      try {
        done = await act(req, res, id);
      } catch (err) {
        if (!isAppError(err) || err.status >= 500) throw err;
        return detail(req, res, { status: err.status, error: err.message });
      }
      const target = done === 'deleted' ? '/console/users' : `/console/users/${encodeURIComponent(id)}`;
      res.redirect(303, `${target}?done=${done}`);
    });
  }

  write('/roles', async (req, res, id) => {
    const text = ((req.body ?? {}) as Record<string, unknown>).roles;
    const roles = typeof text === 'string' ? text.split(/[\s,]+/).filter(Boolean) : text;
    const parsed = parseBodyFields(rolesFormSchema, { roles });
    await users.setRoles(id, parsed.roles, consoleCaller(req, res));
    return 'roles';
  });
  write('/lock', async (req, res, id) => (await users.lock(id, consoleCaller(req, res)), 'locked'));
  write('/unlock', async (req, res, id) => (await users.unlock(id, consoleCaller(req, res)), 'unlocked'));
  write('/password-reset', async (req, res, id) => (await users.sendPasswordReset(id, consoleCaller(req, res)), 'reset'));
  write('/sessions/end', async (req, res, id) => (await users.endSessions(id, consoleCaller(req, res)), 'sessions'));
  write('/sessions/:sid/end', async (req, res, id) => (await users.endSession(id, String(req.params.sid), consoleCaller(req, res)), 'session'));
  // A lost device: the same use case as DELETE /admin/users/:id/factors (factors gone, sessions ended).
  write('/factors/remove', async (req, res, id) => {
    if (!confirmed(req)) throw invalidRequest('confirm: tick the box to confirm removing the second factors', 'INVALID_FIELD');
    await users.removeSecondFactors(id, consoleCaller(req, res));
    return 'factors';
  });
  write('/delete', async (req, res, id) => {
    if (!confirmed(req)) throw invalidRequest('confirm: tick the box to confirm the deletion', 'INVALID_FIELD');
    await users.deleteUser(id, consoleCaller(req, res));
    return 'deleted';
  });

  return router;
}
