import type { ClientView, CreatedClient } from '../../domain/admin/client-admin.js';
import { escapeHtml } from '../app-flow/app-pages.js';
import { actionForm, csrfField, notice } from './console-layout.js';

/** The fields of the create form, as the admin typed them (shown again after a refusal). */
export interface ClientForm {
  client_id: string;
  client_name: string;
  scope: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  redirect_uris: string;
}

export const EMPTY_CLIENT_FORM: ClientForm = { client_id: '', client_name: '', scope: '', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', redirect_uris: '' };

const GRANTS = ['client_credentials', 'authorization_code', 'refresh_token'];
const METHODS: Array<[string, string]> = [
  ['client_secret_basic', 'client_secret_basic (a secret, in the Authorization header)'],
  ['client_secret_post', 'client_secret_post (a secret, in the form)'],
  ['none', 'none (a public app: PKCE, no secret)'],
];

export function clientsPage(options: { clients: ClientView[]; builtIn: string; csrf: string; form: ClientForm; done?: string | undefined; error?: string | undefined }): string {
  const { csrf, form } = options;
  const rows = options.clients
    .map((c) => {
      const action =
        c.client_id === options.builtIn
          ? 'built in (registered at every start)'
          : actionForm(`/console/clients/${encodeURIComponent(c.client_id)}/delete`, csrf, 'Delete', { danger: true, confirm: `Yes, delete ${c.client_id}` });
      return `<tr><td>${escapeHtml(c.client_id)}</td><td>${escapeHtml(c.client_name ?? '')}</td><td>${escapeHtml(c.grant_types.join(', '))}</td><td>${escapeHtml(c.token_endpoint_auth_method)}</td><td>${escapeHtml(c.scope)}</td><td>${c.disabled_at ? 'disabled' : 'enabled'}</td><td>${action}</td></tr>`;
    })
    .join('\n');
  const grants = GRANTS.map(
    (grant) => `<input type="checkbox" id="grant-${grant}" name="grant_types" value="${grant}"${form.grant_types.includes(grant) ? ' checked' : ''}><label class="inline" for="grant-${grant}">${grant}</label>`,
  ).join('\n');
  const methods = METHODS.map(([value, text]) => `<option value="${value}"${form.token_endpoint_auth_method === value ? ' selected' : ''}>${escapeHtml(text)}</option>`).join('');
  return `<h1>Clients</h1>
${notice('done', options.done)}${notice('error', options.error)}
<table><caption class="skip">Registered clients</caption><thead><tr><th scope="col">client_id</th><th scope="col">Name</th><th scope="col">Grant types</th><th scope="col">Authentication</th><th scope="col">Scope</th><th scope="col">State</th><th scope="col">Action</th></tr></thead><tbody>
${rows}
</tbody></table>

<h2>Register a client</h2>
<form method="post" action="/console/clients">
${csrfField(csrf)}
<label for="client_id">client_id (empty: one is generated)</label>
<input id="client_id" name="client_id" type="text" value="${escapeHtml(form.client_id)}" autocapitalize="none" spellcheck="false">
<label for="client_name">Name shown on the sign-in page</label>
<input id="client_name" name="client_name" type="text" value="${escapeHtml(form.client_name)}">
<label for="scope">Scopes, separated by spaces</label>
<input id="scope" name="scope" type="text" value="${escapeHtml(form.scope)}" required autocapitalize="none" spellcheck="false">
<fieldset><legend>Grant types</legend>
${grants}
</fieldset>
<label for="method">How the client authenticates</label>
<select id="method" name="token_endpoint_auth_method">${methods}</select>
<label for="redirect_uris">Redirect URIs, one per line (for authorization_code)</label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" autocapitalize="none" spellcheck="false">${escapeHtml(form.redirect_uris)}</textarea>
<button type="submit">Register</button>
</form>`;
}

/** The one page that ever shows the secret (RFC 7591 §3.2.1): no-store, like every console page. */
export function clientCreatedPage(client: CreatedClient): string {
  const secret =
    client.client_secret === undefined
      ? '<p>This client has no secret (public, or authenticates with its keys).</p>'
      : `<p>The client secret is shown <strong>only this once</strong>; copy it now. Only its keyed hash is kept.</p>
<p class="secret" id="client-secret">${escapeHtml(client.client_secret)}</p>`;
  return `<h1>Client ${escapeHtml(client.client_id)} is registered</h1>
<p role="status">client_id: <strong id="client-id">${escapeHtml(client.client_id)}</strong></p>
${secret}
<p><a href="/console/clients">Back to the clients</a></p>`;
}
