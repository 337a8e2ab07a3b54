import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { inspect } from 'node:util';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type Env } from '../../../lib/config.js';
import type { ClientGrantType, PublicJwk, PublicJwks, TokenEndpointAuthMethod } from './ports/client-store.js';

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
 *     scopes: [notes:read]                     # RFC 6749 scope tokens, at least one
 *     audiences: [api]                         # optional; empty = the default AUTH_AUDIENCE only
 *     grant_types: [client_credentials]        # optional for confidential clients (this default)
 *     token_endpoint_auth_methods: [client_secret_basic] # optional; default from the credentials
 *   - client_id: billing                       # private_key_jwt (RFC 7523) with its public keys
 *     jwks:
 *       keys:
 *         - { kty: RSA, kid: billing-2026, alg: RS256, use: sig, n: "0vx7agoebG...", e: AQAB }
 *     scopes: [notes:read]
 *   - client_id: web                           # public first-party client: no credentials,
 *     grant_types: [refresh_token]             # so grant_types must be given explicitly
 *     scopes: [notes:read, notes:write]
 * ```
 *
 * Default auth methods: a secret allows `client_secret_basic` and `client_secret_post`, a jwks
 * allows `private_key_jwt`, neither makes the client public (`none`). A literal `client_secret`,
 * an unknown key, a private JWK member (d, p, q, dp, dq, qi, oth, k) and a duplicate client_id
 * are all errors.
 */

export const MIN_CLIENT_SECRET_LENGTH = 32;

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
export interface ClientDefinition {
  clientId: string;
  secret?: SecretValue;
  jwks?: PublicJwks;
  tokenEndpointAuthMethods: TokenEndpointAuthMethod[];
  scopes: string[];
  audiences: string[];
  grantTypes: ClientGrantType[];
}

export interface ClientsFileIssue {
  /** Where in the file, e.g. `clients[1].client_secret` or `line 3, column 5`. */
  path: string;
  /** The client the problem belongs to, when the file got far enough to name it. */
  clientId?: string;
  message: string;
}

/**
 * A clients file that cannot be applied. A ConfigError for AUTH_CLIENTS_FILE, so the start-up
 * path prints it as its one line; `issues` lists every problem found, the message the first.
 * Never contains a secret: only names of variables.
 */
export class ClientsFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly issues: readonly ClientsFileIssue[],
  ) {
    const first = issues[0];
    const where = first ? `${first.path}${first.clientId === undefined ? '' : ` (client ${first.clientId})`}: ${first.message}` : 'invalid';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    super('AUTH_CLIENTS_FILE', `invalid clients file ${file}: ${where}${more}`);
    this.name = 'ClientsFileError';
  }
}

/** Safe in a URL path, a Basic header (no ':') and an X-Auth-Client-Id header. */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit');

/** RFC 6749 §3.3 scope-token. */
export const scopeTokenSchema = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token: printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)');

const audienceSchema = z.string().regex(/^[\x21-\x7E]{1,512}$/, 'must be 1-512 printable ASCII characters without spaces');
const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** The message never echoes the value: a literal here is a secret that leaked into the file. */
const secretReferenceSchema = z
  .string({ error: 'must be a reference to an environment variable such as ${REPORTS_CLIENT_SECRET}' })
  .regex(ENV_REFERENCE, 'must be a reference to an environment variable such as ${REPORTS_CLIENT_SECRET}: inline secrets are not allowed')
  .transform((reference) => ENV_REFERENCE.exec(reference)![1]!);
const grantTypeSchema = z.enum(['client_credentials', 'refresh_token']);
const authMethodSchema = z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Signature algorithms a client key may declare, with the key type and curve each needs. */
const ALG_KEY = {
  RS256: 'RSA',
  RS384: 'RSA',
  RS512: 'RSA',
  PS256: 'RSA',
  PS384: 'RSA',
  PS512: 'RSA',
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
  EdDSA: 'OKP',
} as const;
const CURVES = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519', 'Ed448'] } as const;
const MIN_RSA_BITS = 2048;

/**
 * A public signing key for private_key_jwt. Private members are refused rather than dropped: a
 * file that carries one has leaked the key, and the operator must know.
 */
export const publicJwkSchema = z
  .unknown()
  // First, so a leaked private or symmetric key is named as such whatever else is wrong with it.
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null) return;
    const present = PRIVATE_JWK_MEMBERS.filter((member) => member in value);
    if (present.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [present[0]!],
        message: `private key member${present.length > 1 ? 's' : ''} ${present.join(', ')} must not be here: register only the public key`,
      });
    }
  })
  .pipe(publicJwkShape());

function publicJwkShape() {
  return z
    .looseObject({
      kty: z.enum(['RSA', 'EC', 'OKP'], { error: 'must be RSA, EC or OKP (an asymmetric signing key)' }),
      kid: z.string().min(1).max(256).optional(),
      use: z.literal('sig', { error: 'must be "sig"' }).optional(),
      alg: z.enum(Object.keys(ALG_KEY) as [keyof typeof ALG_KEY], { error: `must be one of ${Object.keys(ALG_KEY).join(', ')}` }).optional(),
      key_ops: z.array(z.literal('verify', { error: 'must be "verify"' })).optional(),
      n: z.string().optional(),
      e: z.string().optional(),
      crv: z.string().optional(),
      x: z.string().optional(),
      y: z.string().optional(),
    })
    .superRefine((jwk, ctx) => {
      const problem = publicKeyProblem(jwk);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((jwk): PublicJwk => {
      const out: PublicJwk = { kty: jwk.kty };
      for (const member of ['kid', 'use', 'alg', 'n', 'e', 'crv', 'x', 'y'] as const) {
        const value = jwk[member];
        if (value !== undefined) out[member] = value;
      }
      if (jwk.key_ops) out.key_ops = [...jwk.key_ops];
      return out;
    });
}

/** Why a JWK is not a usable public verification key, or null. Node parses it as the verifier will. */
function publicKeyProblem(jwk: { kty: 'RSA' | 'EC' | 'OKP'; alg?: keyof typeof ALG_KEY | undefined; crv?: string | undefined }): string | null {
  if (jwk.kty !== 'RSA' && !(CURVES[jwk.kty] as readonly string[]).includes(jwk.crv ?? '')) {
    return `crv must be one of ${CURVES[jwk.kty].join(', ')} for a ${jwk.kty} signing key`;
  }
  if (jwk.alg) {
    const needs = ALG_KEY[jwk.alg];
    const has = jwk.kty === 'EC' ? jwk.crv : jwk.kty;
    if (needs !== has) return `alg ${jwk.alg} does not fit a ${jwk.kty}${jwk.kty === 'EC' ? ` ${jwk.crv}` : ''} key`;
  }
  let key;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return `is not a valid ${jwk.kty} public key`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (jwk.kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS)) return `RSA key must have at least ${MIN_RSA_BITS} bits`;
  return null;
}

export const publicJwksSchema = z
  .strictObject({ keys: z.array(publicJwkSchema).min(1, 'must hold at least one key') })
  .superRefine((jwks, ctx) => {
    const seen = new Map<string, number>();
    jwks.keys.forEach((key, index) => {
      if (key.kid === undefined) {
        if (jwks.keys.length > 1) ctx.addIssue({ code: 'custom', path: ['keys', index, 'kid'], message: 'is required when there is more than one key' });
        return;
      }
      const earlier = seen.get(key.kid);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['keys', index, 'kid'], message: `duplicates keys[${earlier}].kid` });
      else seen.set(key.kid, index);
    });
  });

function uniqueList<T extends z.ZodType<string>>(item: T) {
  return z.array(item).superRefine((values, ctx) => {
    values.forEach((value, index) => {
      const first = values.indexOf(value);
      if (first !== index) ctx.addIssue({ code: 'custom', path: [index], message: `repeats entry [${first}]` });
    });
  });
}

const clientEntrySchema = z.strictObject({
  client_id: clientIdSchema,
  /** `${NAME}` in the file; the variable name once parsed. */
  client_secret: secretReferenceSchema.optional(),
  jwks: publicJwksSchema.optional(),
  scopes: uniqueList(scopeTokenSchema).min(1, 'must list at least one scope'),
  audiences: uniqueList(audienceSchema).optional(),
  grant_types: uniqueList(grantTypeSchema).min(1, 'must list at least one grant type').optional(),
  token_endpoint_auth_methods: uniqueList(authMethodSchema).min(1, 'must list at least one method').optional(),
});
type ClientEntry = z.output<typeof clientEntrySchema>;

const clientsFileSchema = z.strictObject({ clients: z.array(clientEntrySchema) }, { error: 'must be a mapping with a clients list' });

/**
 * Parses and validates a whole clients file, reading secrets from `env`. Throws one
 * ClientsFileError listing every problem, so an operator fixes the file in one go; it returns
 * only when every client is valid.
 */
export function parseClientsFile(text: string, options: { file: string; env: Env }): ClientDefinition[] {
  const { file, env } = options;
  const json = isJson(file, text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: json ? 'json' : 'core' });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new ClientsFileError(file, [{ path: `line ${line}, column ${col}`, message: `not valid ${json ? 'JSON' : 'YAML'}: ${syntaxError.message}` }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ClientsFileError(file, [{ path: 'document', message: err instanceof Error ? err.message : 'cannot be read' }]);
  }

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

/** Reads and parses the file at `path`; a missing or unreadable file is a ClientsFileError too. */
export async function loadClientsFile(path: string, env: Env): Promise<ClientDefinition[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ClientsFileError(path, [{ path: 'file', message: `cannot be read (${code})` }]);
  }
  return parseClientsFile(text, { file: path, env });
}

function isJson(file: string, text: string): boolean {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return true;
  if (ext === '.yaml' || ext === '.yml') return false;
  return /^\s*[[{]/.test(text);
}

/** Cross-field rules zod's shape check cannot see, plus the secret from the environment. */
function toDefinition(entry: ClientEntry, env: Env, report: (field: string, message: string) => void): ClientDefinition {
  const definition: ClientDefinition = {
    clientId: entry.client_id,
    tokenEndpointAuthMethods: [],
    scopes: entry.scopes,
    audiences: entry.audiences ?? [],
    grantTypes: [],
  };

  if (entry.client_secret !== undefined) {
    const name = entry.client_secret;
    const value = env[name];
    if (value === undefined || value === '') report('client_secret', `environment variable ${name} is not set`);
    else if (value.length < MIN_CLIENT_SECRET_LENGTH) {
      report('client_secret', `environment variable ${name} holds a secret shorter than ${MIN_CLIENT_SECRET_LENGTH} characters`);
    } else definition.secret = new SecretValue(value);
  }
  if (entry.jwks) definition.jwks = entry.jwks;

  const hasSecret = entry.client_secret !== undefined;
  const hasJwks = entry.jwks !== undefined;
  const methods: TokenEndpointAuthMethod[] =
    entry.token_endpoint_auth_methods ??
    (hasSecret || hasJwks
      ? [...(hasSecret ? (['client_secret_basic', 'client_secret_post'] as const) : []), ...(hasJwks ? (['private_key_jwt'] as const) : [])]
      : ['none']);
  const usesSecret = methods.some((m) => m === 'client_secret_basic' || m === 'client_secret_post');
  const usesJwks = methods.includes('private_key_jwt');
  const isPublic = methods.includes('none');
  if (isPublic && methods.length > 1) report('token_endpoint_auth_methods', 'none cannot be combined with other methods');
  if (isPublic && (hasSecret || hasJwks)) report('token_endpoint_auth_methods', 'none is for public clients, which have no client_secret or jwks');
  if (usesSecret && !hasSecret) report('token_endpoint_auth_methods', 'client_secret_* methods need client_secret');
  if (usesJwks && !hasJwks) report('token_endpoint_auth_methods', 'private_key_jwt needs jwks');
  if (hasSecret && !usesSecret && !isPublic) report('client_secret', 'is set but no client_secret_* method is allowed');
  if (hasJwks && !usesJwks && !isPublic) report('jwks', 'is set but private_key_jwt is not allowed');
  definition.tokenEndpointAuthMethods = methods;

  if (isPublic) {
    // A forgotten secret must not quietly turn a service into a public client that can refresh.
    if (!entry.grant_types) report('grant_types', 'must be given for a client without client_secret or jwks (a public client): [refresh_token]');
    else if (entry.grant_types.includes('client_credentials')) {
      report('grant_types', 'client_credentials needs a confidential client: add client_secret or jwks');
    }
  }
  definition.grantTypes = entry.grant_types ?? ['client_credentials'];
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
