import { UsageError } from '../cli.js';
import type { UserView } from '../../services/auth/domain/admin/user-admin.js';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { AdminApiClient } from './admin-api-client.js';



export const USAGE = `usage: npm run authctl -- <command> [options]

  clients create --scopes <s1,s2> [--id <client_id>] [--audiences <a1,a2>] [--jwks <file.json>]
                 registers a client; prints its client_secret ONCE (none with --jwks: private_key_jwt).
                 Scopes must be ones the service knows (its scopes_supported or another client's);
                 add --allow-new-scopes to register a scope no one uses yet
  clients create --metadata <file.json> [--id <client_id>]
                 registers a client from RFC 7591 metadata (client_name, scope, redirect_uris,
                 grant_types, token_endpoint_auth_method, jwks, ...); the options above add to it
  clients list   lists clients (never a secret)
  clients disable <client_id>   its next token request fails
  clients delete <client_id>
  users show <username>     id, roles, locked or not
  users lock <username>     refuses the user's next login and refresh (as a wrong password would)
                            and ends every session: its access tokens are refused within a second
  users unlock <username>   the user can log in again (sessions ended while locked stay ended)
  users remove-factors <username>
                            removes the user's second factors (TOTP, recovery codes, passkeys) and
                            ends every session: they sign in with the password alone and enrol again
  users set-roles <username> --roles <r1,r2>
                            replaces the user's roles; scopes come with them (AUTH_ROLES_FILE; admin
                            grants admin). Given: in the next token. Taken: every session ends now
  keys rotate    new signing key: published at once, signs after KEY_PUBLISH_DELAY_SECONDS

  --json         print the service's JSON answer instead of text

environment: AUTH_URL (default http://localhost:4000), AUTH_ADMIN_TOKEN (required)
exit codes: 0 done, 1 the service refused or could not be reached, 2 bad command line`;

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Runs one command; `out` receives what the operator reads. */
export async function runCommand(argv: string[], api: AdminApiClient, out: (line: string) => void): Promise<void> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          scopes: { type: 'string' },
          id: { type: 'string' },
          audiences: { type: 'string' },
          jwks: { type: 'string' },
          'allow-new-scopes': { type: 'boolean', default: false },
          metadata: { type: 'string' },
          roles: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  })();
  const [group, action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const print = (json: unknown, text: () => void) => (values.json ? out(JSON.stringify(json, null, 2)) : text());
  const needTarget = () => {
    if (!target) throw new UsageError(`${group} ${action} needs a ${group === 'users' ? 'username' : 'client_id'}`);
    return target;
  };
  /** The admin API locks by id; operators know the username. */
  const userIdOf = async (username: string) => ((await api.findUser(username)) as UserView).id;

  switch (`${group ?? ''} ${action ?? ''}`) {
    case 'clients create': {
      const scopes = list(values.scopes);
      const metadata = values.metadata ? ((await readJson('--metadata', values.metadata)) as Record<string, unknown>) : {};
      if ((!scopes || scopes.length === 0) && !values.metadata) throw new UsageError('clients create needs --scopes, e.g. --scopes notes:read');
      if (target) throw new UsageError(`unexpected argument ${target} (use --id to choose the client_id)`);
      if (!values['allow-new-scopes'] && scopes && scopes.length > 0) await refuseUnknownScopes(scopes, api);
      const jwks = values.jwks ? await readJson('--jwks', values.jwks) : undefined;
      const audiences = list(values.audiences);
      const created = (await api.createClient({
        ...metadata,
        // RFC 7591 spells scopes as one space-separated string.
        ...(scopes && scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
        ...(values.id ? { client_id: values.id } : {}),
        ...(audiences ? { audiences } : {}),
        ...(jwks ? { jwks } : {}),
      })) as Record<string, unknown>;
      return print(created, () => {
        out(`created client ${String(created.client_id)} (scopes: ${scopesOf(created).join(' ')})`);
        if (typeof created.client_secret === 'string') {
          out(`client_secret: ${created.client_secret}`);
          out('store it now: it is shown only once (only its hash is kept)');
        } else if (created.token_endpoint_auth_method === 'none') out('public client: no secret (authorization code + PKCE)');
        else out('authenticates with private_key_jwt using the registered keys');
      });
    }
    case 'clients list': {
      const body = (await api.listClients()) as { clients: Array<Record<string, unknown>> };
      return print(body, () => {
        if (body.clients.length === 0) return out('no clients');
        // Tab-separated like `keys show`, so `cut -f1` still gives the ids under the header.
        out(['client_id', 'scopes', 'auth method', 'state'].join('\t'));
        for (const client of body.clients) {
          const state = client.disabled_at ? `disabled since ${String(client.disabled_at)}` : 'enabled';
          out([String(client.client_id), scopesOf(client).join(' '), authMethodsOf(client).join(','), state].join('\t'));
        }
      });
    }
    case 'clients disable': {
      const id = needTarget();
      const body = await api.disableClient(id);
      return print(body, () => out(`disabled client ${id}: its next token request fails`));
    }
    case 'clients delete': {
      const id = needTarget();
      await api.deleteClient(id);
      return print({ deleted: id }, () => out(`deleted client ${id}`));
    }
    case 'users show': {
      const user = (await api.findUser(needTarget())) as UserView;
      return print(user, () => {
        const state = user.locked ? `locked since ${String(user.locked_at)}` : 'active';
        out(`${user.username}\t${user.id}\t${user.roles.join(' ')}\t${state}\tcreated ${user.created_at}`);
      });
    }
    case 'users lock': {
      const user = (await api.lockUser(await userIdOf(needTarget()))) as UserView;
      return print(user, () => {
        out(`locked user ${user.username} (${user.id}) since ${String(user.locked_at)}`);
        out('its next login and refresh are refused; its sessions are over (access tokens refused within a second)');
      });
    }
    case 'users unlock': {
      const user = (await api.unlockUser(await userIdOf(needTarget()))) as UserView;
      return print(user, () => out(`unlocked user ${user.username} (${user.id}): they can log in again`));
    }
    case 'users remove-factors': {
      const id = await userIdOf(needTarget());
      await api.removeFactors(id);
      return print({ user_id: id, factors_removed: true }, () => out(`removed every second factor of ${id}; its sessions are over`));
    }
    case 'users set-roles': {
      if (values.roles === undefined) throw new UsageError('users set-roles needs --roles, e.g. --roles user,admin (an empty value removes every role)');
      const user = (await api.setRoles(await userIdOf(needTarget()), list(values.roles) ?? [])) as UserView;
      return print(user, () => out(`user ${user.username} (${user.id}) now has roles: ${user.roles.join(' ') || '(none)'}`));
    }
    case 'keys rotate': {
      const body = (await api.rotateKeys()) as Record<string, unknown>;
      return print(body, () => out(`new signing key ${String(body.kid)}: published now, signs from ${String(body.activates_at)}`));
    }
    default:
      throw new UsageError(group ? `unknown command: ${[group, action].filter(Boolean).join(' ')}` : 'no command given');
  }
}

/** A client's scopes from the admin API: the `scopes` array, or RFC 7591's space-separated `scope`. */
function scopesOf(client: Record<string, unknown>): string[] {
  if (Array.isArray(client.scopes)) return client.scopes.map(String);
  return typeof client.scope === 'string' ? client.scope.split(' ').filter(Boolean) : [];
}

function authMethodsOf(client: Record<string, unknown>): string[] {
  if (Array.isArray(client.token_endpoint_auth_methods)) return client.token_endpoint_auth_methods.map(String);
  return typeof client.token_endpoint_auth_method === 'string' ? [client.token_endpoint_auth_method] : [];
}

/**
 * A scope nobody knows is almost always a typo (`notes:raed`), and would only show up later as a
 * 403 at the gateway. As in Keycloak, where a client can only be given scopes that exist, the
 * known ones are those the service advertises (discovery's scopes_supported) and those other
 * clients already hold; --allow-new-scopes registers a new one on purpose.
 */
async function refuseUnknownScopes(scopes: string[], api: AdminApiClient): Promise<void> {
  const discovery = (await api.discovery()) as { scopes_supported?: unknown };
  const { clients } = (await api.listClients()) as { clients: Array<Record<string, unknown>> };
  const known = new Set([...(Array.isArray(discovery.scopes_supported) ? discovery.scopes_supported.map(String) : []), ...clients.flatMap(scopesOf)]);
  const unknown = scopes.filter((scope) => !known.has(scope));
  if (unknown.length === 0) return;
  const listed = [...known].sort().join(' ') || 'none';
  throw new UsageError(`unknown scope ${unknown.join(', ')} (known: ${listed}); pass --allow-new-scopes to register it anyway`);
}

async function readJson(option: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${option} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
