import { Router, type Request, type RequestHandler, type Response } from 'express';
import { invalidRequest, isAppError } from '../../../../lib/errors.js';
import { parseBodyFields } from '../../../../lib/http/body-fields.js';
import { newClientSchema, type ClientAdmin } from '../../domain/admin/client-admin.js';
import { CONSOLE_CLIENT_ID } from '../../domain/admin/console-client.js';
import { queryParams } from '../app-flow/query-params.js';
import { clientCreatedPage, clientsPage, EMPTY_CLIENT_FORM, type ClientForm } from './clients-html.js';
import { sendConsolePage } from './console-layout.js';
import { confirmed, consoleAdminOf } from './console-session.js';
import { consoleCaller } from './console-users.js';

export interface ConsoleClientsDeps {
  clients: ClientAdmin;
  requireAdmin: RequestHandler;
  requireForm: RequestHandler[];
}

const text = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
const list = (value: unknown) => (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');

/** The form as typed, and the RFC 7591 metadata it means (empty fields left out, so defaults apply). */
function clientFormOf(body: Record<string, unknown>): { form: ClientForm; metadata: Record<string, unknown> } {
  const form: ClientForm = {
    client_id: text(body, 'client_id'),
    client_name: text(body, 'client_name'),
    scope: text(body, 'scope'),
    grant_types: list(body.grant_types),
    token_endpoint_auth_method: text(body, 'token_endpoint_auth_method'),
    redirect_uris: text(body, 'redirect_uris'),
  };
  const redirectUris = form.redirect_uris.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const metadata: Record<string, unknown> = {
    ...(form.client_id ? { client_id: form.client_id } : {}),
    ...(form.client_name ? { client_name: form.client_name } : {}),
    scope: form.scope,
    grant_types: form.grant_types,
    token_endpoint_auth_method: form.token_endpoint_auth_method,
    ...(redirectUris.length > 0 ? { redirect_uris: redirectUris } : {}),
  };
  return { form, metadata };
}

/**
 * The clients section: the list, registration (the secret shown once, on the answer's page) and
 * deletion, through the admin API's use case (ClientAdmin). The console's own client is listed
 * but cannot be deleted here: the console would lock itself out until the next start.
 */
export function consoleClientsRoutes({ clients, requireAdmin, requireForm }: ConsoleClientsDeps): Router {
  const router = Router();

  async function page(req: Request, res: Response, extra: { status?: number; error?: string; form?: ClientForm } = {}): Promise<void> {
    const { claims, csrf } = consoleAdminOf(res);
    const done = { created: 'The client is registered.', deleted: 'The client is deleted.' }[queryParams(req.url).get('done')?.[0] ?? ''];
    const body = clientsPage({ clients: await clients.list(), builtIn: CONSOLE_CLIENT_ID, csrf, form: extra.form ?? EMPTY_CLIENT_FORM, done, error: extra.error });
    sendConsolePage(res, extra.status ?? 200, 'Clients', body, { section: 'clients', username: claims.username ?? claims.sub, csrf });
  }

  router.get('/console/clients', requireAdmin, (req, res) => page(req, res));

  router.post('/console/clients', requireAdmin, ...requireForm, async (req, res) => {
    const { form, metadata } = clientFormOf((req.body ?? {}) as Record<string, unknown>);
    try {
      const created = await clients.create(parseBodyFields(newClientSchema, metadata), consoleCaller(req, res));
      const { claims, csrf } = consoleAdminOf(res);
      sendConsolePage(res, 201, `Client ${created.client_id}`, clientCreatedPage(created), { section: 'clients', username: claims.username ?? claims.sub, csrf });
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      await page(req, res, { status: err.status, error: err.message, form });
    }
  });

  router.post('/console/clients/:id/delete', requireAdmin, ...requireForm, async (req, res) => {
    const id = String(req.params.id);
    try {
      if (id === CONSOLE_CLIENT_ID) throw invalidRequest(`client_id: ${CONSOLE_CLIENT_ID} is the console's own client`, 'INVALID_FIELD');
      if (!confirmed(req)) throw invalidRequest('confirm: tick the box to confirm the deletion', 'INVALID_FIELD');
      await clients.delete(id, consoleCaller(req, res));
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return page(req, res, { status: err.status, error: err.message });
    }
    res.redirect(303, '/console/clients?done=deleted');
  });

  return router;
}
