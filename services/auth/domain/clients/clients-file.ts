import { inspect } from 'node:util';
import { z } from 'zod';
import { ConfigError, type Env } from '../../../../lib/config.js';
import type { ClientConfig } from './client-store.js';
import { clientIdSchema } from './client-fields.js';
import { clientMetadataShape, resolveClientMetadata } from './client-metadata.js';
import { clientSecretWeakness } from './client-secret.js';

/**
 * AUTH_CLIENTS_FILE: the OAuth clients a deployment declares up front (compose, Kubernetes), so
 * services can get tokens without anyone calling the admin API. YAML or JSON. Secrets never sit
 * in the file: each client names the environment variable that holds its secret, so the file can
 * live in a ConfigMap or in git and the secret in a Secret. `client_secret` is exactly `${NAME}`: the
 * whole value is one reference, resolved from the auth process's environment (no partial
 * interpolation, no defaults, no inline values). Quote it inside a YAML flow mapping.
 *
 * @example
 * ```yaml
 * clients:
 *   - client_id: reports                       # [A-Za-z0-9._~-], 1-128, starts alphanumeric
 *     client_secret: ${REPORTS_CLIENT_SECRET}  # env var holding >= 32 characters
 *     scope: notes:read                        # RFC 7591: space-separated (or scopes: [notes:read])
 *     audiences: [api]                         # optional; empty = the default AUTH_AUDIENCE only
 *     grant_types: [client_credentials]        # optional for confidential clients (this default)
 *     token_endpoint_auth_method: client_secret_basic # optional; default from the credentials
 *   - client_id: billing                       # private_key_jwt (RFC 7523) with its public keys
 *     jwks:
 *       keys:
 *         - { kty: RSA, kid: billing-2026, alg: RS256, use: sig, n: "0vx7agoebG...", e: AQAB }
 *     scopes: [notes:read]
 *   - client_id: web                           # public first-party client: no credentials,
 *     grant_types: [refresh_token]             # so grant_types must be given explicitly
 *     scopes: [notes:read, notes:write]
 *   - client_id: notes-spa                     # public app: authorization code + PKCE
 *     client_name: Notes
 *     token_endpoint_auth_method: none
 *     redirect_uris: [https://notes.example/callback]
 *     post_logout_redirect_uris: [https://notes.example/]
 *     backchannel_logout_uri: https://notes.example/backchannel-logout  # logout tokens (OIDC Back-Channel Logout)
 *     scope: openid profile notes:read
 *     first_party: true                        # skips the consent page
 * ```
 *
 * Default auth methods: a secret allows `client_secret_basic` and `client_secret_post`, a jwks
 * allows `private_key_jwt`, neither makes the client public (`none`). A literal `client_secret`,
 * an unknown key, a private JWK member (d, p, q, dp, dq, qi, oth, k) and a duplicate client_id
 * are all errors.
 */

/** A secret that prints as `[secret]` in logs, JSON and test diffs; `reveal()` is the one way out. */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspect.custom](): string {
    return '[secret]';
  }
}

/** One client of the file, validated, with its secret read from the environment. */
export type ClientDefinition = Omit<ClientConfig, 'secretHash'> & { secret?: SecretValue };

export interface ClientsFileIssue {
  /** Where in the file, e.g. `clients[1].client_secret` or `line 3, column 5`. */
  path: string;
  /** The client the problem belongs to, when the file got far enough to name it. */
  clientId?: string;
  message: string;
}

/**
 * A clients file that cannot be applied. A ConfigError for AUTH_CLIENTS_FILE, so the start-up
 * path prints it as its one line; the message and `issues` list every problem found.
 * Never contains a secret: only names of variables.
 */
export class ClientsFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly issues: readonly ClientsFileIssue[],
  ) {
    const where = issues.map((issue) => `${issue.path}${issue.clientId === undefined ? '' : ` (client ${issue.clientId})`}: ${issue.message}`);
    super('AUTH_CLIENTS_FILE', `invalid clients file ${file}: ${where.join('; ') || 'invalid'}`);
    this.name = 'ClientsFileError';
  }
}

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** The message never echoes the value: a literal here is a secret that leaked into the file. */
const secretReferenceSchema = z
  .string({ error: 'must be a reference to an environment variable such as ${REPORTS_CLIENT_SECRET}' })
  .regex(ENV_REFERENCE, 'must be a reference to an environment variable such as ${REPORTS_CLIENT_SECRET}: inline secrets are not allowed')
  .transform((reference) => ENV_REFERENCE.exec(reference)![1]!);
const clientEntrySchema = z.strictObject({
  ...clientMetadataShape,
  client_id: clientIdSchema,
  /** `${NAME}` in the file; the variable name once parsed. */
  client_secret: secretReferenceSchema.optional(),
});
type ClientEntry = z.output<typeof clientEntrySchema>;

const clientsFileSchema = z.strictObject({ clients: z.array(clientEntrySchema) }, { error: 'must be a mapping with a clients list' });

/**
 * Validates a whole clients document (already read and parsed by the reader adapter), reading
 * secrets from `env`. Throws one ClientsFileError listing every problem, so an operator fixes the
 * file in one go; it returns only when every client is valid.
 */
export function clientsFromDocument(data: unknown, options: { file: string; env: Env }): ClientDefinition[] {
  const { file, env } = options;
  const parsed = clientsFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ClientsFileError(file, parsed.error.issues.map((issue) => shapeIssue(issue, data)));
  }

  const issues: ClientsFileIssue[] = [];
  const firstIndex = new Map<string, number>();
  const definitions = parsed.data.clients.map((entry, index) => {
    const report = (field: string, message: string) =>
      issues.push({ path: `clients[${index}]${field ? `.${field}` : ''}`, clientId: entry.client_id, message });
    const earlier = firstIndex.get(entry.client_id);
    if (earlier === undefined) firstIndex.set(entry.client_id, index);
    else report('client_id', `duplicates the client_id of clients[${earlier}]`);
    return toDefinition(entry, env, report);
  });
  if (issues.length > 0) throw new ClientsFileError(file, issues);
  return definitions;
}

/** The shared metadata rules (client-metadata.ts), plus the secret from the environment. */
function toDefinition(entry: ClientEntry, env: Env, report: (field: string, message: string) => void): ClientDefinition {
  const { needsSecret: _given, ...resolved } = resolveClientMetadata(entry, entry.client_secret === undefined ? 'absent' : 'given', report);
  const definition: ClientDefinition = { clientId: entry.client_id, ...resolved };
  if (entry.client_secret !== undefined) {
    const name = entry.client_secret;
    const value = env[name];
    if (value === undefined || value === '') report('client_secret', `environment variable ${name} is not set`);
    else {
      // Stored with a fast keyed hash, so it must be as unguessable as a generated secret.
      const weakness = clientSecretWeakness(value);
      if (weakness !== null) report('client_secret', `environment variable ${name} holds a secret that ${weakness}`);
      else definition.secret = new SecretValue(value);
    }
  }
  return definition;
}

/** A zod issue as `clients[1].scopes[0]` plus the client id when the entry has a readable one. */
function shapeIssue(issue: z.core.$ZodIssue, data: unknown): ClientsFileIssue {
  const path = formatPath(issue.path);
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const message = keys.length > 0 ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` : issue.message;
  const out: ClientsFileIssue = { path: path || 'document', message };
  const [top, index] = issue.path;
  if (top === 'clients' && typeof index === 'number') {
    const clients = (data as { clients?: unknown }).clients;
    const entry = Array.isArray(clients) ? (clients[index] as unknown) : undefined;
    const id = typeof entry === 'object' && entry !== null ? (entry as { client_id?: unknown }).client_id : undefined;
    if (typeof id === 'string' && id.length <= 128) out.clientId = id;
  }
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}
