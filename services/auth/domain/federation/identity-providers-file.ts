import { z } from 'zod';
import { ConfigError, type Env } from '../../../../lib/config.js';
import { SecretValue } from '../clients/clients-file.js';

/**
 * AUTH_IDENTITY_PROVIDERS_FILE: the upstream identity providers people may sign in with
 * (docs/federation.md). YAML or JSON, either a list or `{providers: [...]}`. Secrets never sit in
 * the file: `client_secret` is exactly `${NAME}`, read from the auth process's environment, as in
 * the clients file.
 *
 * @example
 * ```yaml
 * providers:
 *   - id: corp                                 # [a-z0-9_-], in the URLs /auth/federation/corp/...
 *     name: Corporate SSO                      # the button's text
 *     issuer: https://sso.example.com          # OpenID Connect discovery from here
 *     client_id: authgate
 *     client_secret: ${CORP_CLIENT_SECRET}
 *     scopes: [openid, profile, email]         # default
 *     claims: { username: preferred_username, email: email, roles: { claim: groups, values: [admin, editor] } }
 *   - id: github                               # plain OAuth 2.0 with a userinfo URL
 *     type: oauth2
 *     name: GitHub
 *     issuer: https://github.com
 *     authorization_endpoint: https://github.com/login/oauth/authorize
 *     token_endpoint: https://github.com/login/oauth/access_token
 *     userinfo_endpoint: https://api.github.com/user
 *     client_id: Iv1.0123456789
 *     client_secret: ${GITHUB_CLIENT_SECRET}
 *     scopes: [read:user, user:email]
 *     claims: { subject: id, username: login }
 * ```
 */

/** Which claim of the upstream identity becomes what here. */
export interface ClaimMapping {
  /** The stable identifier of the person at the upstream (`sub`; GitHub: `id`). */
  subject: string;
  username: string;
  email: string;
  /** Roles come only from these values of this claim (a string or a list of strings upstream). */
  roles?: { claim: string; values: string[] };
}

export interface IdentityProviderDefinition {
  id: string;
  name: string;
  type: 'oidc' | 'oauth2';
  issuer: string;
  clientId: string;
  /** Absent: a public client at the upstream (PKCE only). */
  clientSecret?: SecretValue;
  scopes: string[];
  /** Plain OAuth 2.0 only: there is no discovery to find them. */
  endpoints?: { authorization: string; token: string; userinfo: string };
  claims: ClaimMapping;
}

export interface ProvidersFileIssue {
  path: string;
  message: string;
}

/** A providers file that cannot be used: every problem at once, never a secret (only variable names). */
export class IdentityProvidersFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly issues: readonly ProvidersFileIssue[],
  ) {
    super('AUTH_IDENTITY_PROVIDERS_FILE', `invalid identity providers file ${file}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') || 'invalid'}`);
    this.name = 'IdentityProvidersFileError';
  }
}

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const REFERENCE_MESSAGE = 'must be a reference to an environment variable such as ${CORP_CLIENT_SECRET}: inline secrets are not allowed';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http on a loopback host (development): tokens and secrets never cross a network in the clear. */
const endpointUrl = z.string({ error: 'must be a URL' }).refine((value) => {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}, 'must be an https URL (http only on localhost)');
const claimName = z.string().min(1).max(128);

const providerSchema = z
  .strictObject({
    id: z.string({ error: 'is required' }).regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 of a-z, 0-9, _ and -, starting with a letter or digit'),
    name: z.string({ error: 'is required' }).min(1).max(100),
    type: z.enum(['oidc', 'oauth2']).default('oidc'),
    issuer: endpointUrl,
    client_id: z.string({ error: 'is required' }).min(1).max(256),
    client_secret: z.string({ error: REFERENCE_MESSAGE }).regex(ENV_REFERENCE, REFERENCE_MESSAGE).optional(),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope name')).optional(),
    authorization_endpoint: endpointUrl.optional(),
    token_endpoint: endpointUrl.optional(),
    userinfo_endpoint: endpointUrl.optional(),
    claims: z
      .strictObject({
        subject: claimName.optional(),
        username: claimName.optional(),
        email: claimName.optional(),
        roles: z.strictObject({ claim: claimName, values: z.array(z.string().min(1)).min(1) }).optional(),
      })
      .optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.type !== 'oauth2') return;
    for (const field of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const) {
      if (entry[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required for type oauth2 (there is no discovery)' });
    }
  });
type ProviderEntry = z.output<typeof providerSchema>;

const fileSchema = z.strictObject({ providers: z.array(providerSchema) }, { error: 'must be a list of providers (or a mapping with a providers list)' });

/**
 * Validates a whole providers document (read and parsed by the adapter), reading secrets from
 * `env`. Throws one IdentityProvidersFileError listing every problem.
 */
export function providersFromDocument(data: unknown, options: { file: string; env: Env }): IdentityProviderDefinition[] {
  const document = Array.isArray(data) ? { providers: data } : data;
  const parsed = fileSchema.safeParse(document);
  const issues: ProvidersFileIssue[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      issues.push({ path: formatPath(issue.path) || 'document', message: keys.length > 0 ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` : issue.message });
    }
    throw new IdentityProvidersFileError(options.file, issues);
  }
  const seen = new Map<string, number>();
  const definitions = parsed.data.providers.map((entry, index) => {
    const report = (field: string, message: string) => issues.push({ path: `providers[${index}].${field}`, message });
    const earlier = seen.get(entry.id);
    if (earlier === undefined) seen.set(entry.id, index);
    else report('id', `duplicates the id of providers[${earlier}]`);
    return toDefinition(entry, options.env, report);
  });
  if (issues.length > 0) throw new IdentityProvidersFileError(options.file, issues);
  return definitions;
}

function toDefinition(entry: ProviderEntry, env: Env, report: (field: string, message: string) => void): IdentityProviderDefinition {
  const oauth2 = entry.type === 'oauth2';
  const definition: IdentityProviderDefinition = {
    id: entry.id,
    name: entry.name,
    type: entry.type,
    // Exactly as written: an OpenID provider's ID tokens must carry this very `iss`.
    issuer: entry.issuer,
    clientId: entry.client_id,
    scopes: entry.scopes ?? (oauth2 ? [] : ['openid', 'profile', 'email']),
    claims: {
      subject: entry.claims?.subject ?? 'sub',
      username: entry.claims?.username ?? 'preferred_username',
      email: entry.claims?.email ?? 'email',
      ...(entry.claims?.roles ? { roles: entry.claims.roles } : {}),
    },
  };
  if (!oauth2 && !definition.scopes.includes('openid')) report('scopes', 'must include openid for an OpenID Connect provider (or set type: oauth2)');
  if (oauth2 && entry.authorization_endpoint && entry.token_endpoint && entry.userinfo_endpoint) {
    definition.endpoints = { authorization: entry.authorization_endpoint, token: entry.token_endpoint, userinfo: entry.userinfo_endpoint };
  }
  if (entry.client_secret !== undefined) {
    const name = ENV_REFERENCE.exec(entry.client_secret)![1]!;
    const value = env[name];
    if (value === undefined || value === '') report('client_secret', `environment variable ${name} is not set`);
    else definition.clientSecret = new SecretValue(value);
  }
  return definition;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}
