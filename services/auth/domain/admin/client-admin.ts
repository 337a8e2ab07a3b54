import { randomBytes } from 'node:crypto';
import { AppError } from '../../../../lib/errors.js';
import { generateClientSecret } from '../clients/client-secret.js';
import { clientMetadataSchema, resolveClientMetadata, type ClientMetadata } from '../clients/client-metadata.js';
import type { AdminCaller, AuthEvents } from '../auth-events.js';
import type { ClientConfig, ClientRecord, ClientStore, PublicJwks } from '../clients/client-store.js';
import { clientIdConflict, type ClientIdReservationDeps } from './client-id-reservation.js';

/**
 * What the admin API and `POST /oauth/register` show of a client: its RFC 7591 metadata (plus the
 * earlier array spellings `scopes` and `token_endpoint_auth_methods`, which stay for existing
 * callers) and its state, never a secret or its hash.
 */
export interface ClientView {
  client_id: string;
  client_name?: string;
  /** RFC 7591: space-separated. */
  scope: string;
  scopes: string[];
  audiences: string[];
  grant_types: string[];
  /** RFC 7591 has one method per client; the first allowed one (they are equivalent for a secret). */
  token_endpoint_auth_method: string;
  token_endpoint_auth_methods: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  /** OIDC Back-Channel Logout 1.0 §2.2 (absent when not registered). */
  backchannel_logout_uri?: string;
  backchannel_logout_session_required: boolean;
  first_party: boolean;
  dpop_bound_access_tokens: boolean;
  /** The registered public keys (private_key_jwt clients). */
  jwks?: PublicJwks;
  /** kids of the registered public keys. */
  jwks_kids?: string[];
  /** RFC 7591 §3.2.1, seconds since the epoch. */
  client_id_issued_at: number;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

/** RFC 7591 §3.2.1 style: the secret appears in this one answer and nowhere else, ever. */
export interface CreatedClient extends ClientView {
  client_secret?: string;
  client_secret_expires_at?: 0;
}

/** POST /admin/clients and POST /oauth/register body; the HTTP layer parses it, so the use case receives typed fields. */
export const newClientSchema = clientMetadataSchema;
export type NewClient = ClientMetadata;

/**
 * A registration whose fields do not fit together: RFC 7591 §3.2.2 values, except that a missing
 * required field stays invalid_request, as the body parser answers for any other missing field.
 */
const invalidMetadata = (field: string, message: string) =>
  new AppError('CLIENT_METADATA_INVALID', 400, `${field}: ${message}`, {
    error:
      message === 'is required'
        ? 'invalid_request'
        : field === 'redirect_uris' || field === 'post_logout_redirect_uris'
          ? 'invalid_redirect_uri'
          : 'invalid_client_metadata',
  });

export interface ClientAdminDeps extends ClientIdReservationDeps {
  clients: ClientStore;
  /** The client-secret hasher (HMAC-SHA-256 under the server key). */
  hashSecret: (secret: string) => Promise<string>;
  /** Where each change is reported (audit trail). */
  events: AuthEvents;
}

export function toClientView(client: ClientRecord): ClientView {
  return {
    client_id: client.clientId,
    ...(client.clientName === undefined ? {} : { client_name: client.clientName }),
    scope: client.scopes.join(' '),
    scopes: [...client.scopes],
    audiences: [...client.audiences],
    grant_types: [...client.grantTypes],
    token_endpoint_auth_method: client.tokenEndpointAuthMethods[0] ?? 'none',
    token_endpoint_auth_methods: [...client.tokenEndpointAuthMethods],
    redirect_uris: [...(client.redirectUris ?? [])],
    post_logout_redirect_uris: [...(client.postLogoutRedirectUris ?? [])],
    ...(client.backchannelLogoutUri === undefined ? {} : { backchannel_logout_uri: client.backchannelLogoutUri }),
    backchannel_logout_session_required: client.backchannelLogoutSessionRequired ?? false,
    first_party: client.firstParty ?? false,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens ?? false,
    ...(client.jwks ? { jwks: structuredClone(client.jwks), jwks_kids: client.jwks.keys.map((key) => key.kid ?? '(no kid)') } : {}),
    client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
    disabled_at: client.disabledAt ? client.disabledAt.toISOString() : null,
  };
}

const clientNotFound = () => new AppError('CLIENT_NOT_FOUND', 404, 'no client with this client_id', { error: 'not_found' });
const clientIdReserved = (problem: string) =>
  new AppError('CLIENT_ID_RESERVED', 409, `client_id ${problem}`, { error: 'client_id_reserved' });

/**
 * Client registration for operators (the admin API, authctl and RFC 7591 `POST /oauth/register`),
 * by the shared metadata rules (clients/client-metadata.ts). A client allowed a client_secret_*
 * method gets a fresh 256-bit secret, returned once and stored only as its keyed hash; a
 * client with `jwks` uses private_key_jwt; `token_endpoint_auth_method: none` makes a public app.
 */
export function createClientAdmin({ clients, hashSecret, events, ...reservation }: ClientAdminDeps) {
  return {
    async create(metadata: NewClient, by: AdminCaller): Promise<CreatedClient> {
      let problem: [string, string] | undefined;
      const { needsSecret, ...resolved } = resolveClientMetadata(metadata, 'generated', (field, message) => (problem ??= [field, message]));
      if (problem) throw invalidMetadata(...problem);
      const config: ClientConfig = { clientId: metadata.client_id ?? `client-${randomBytes(9).toString('base64url')}`, ...resolved };
      // Before hashing a secret or writing anything; 409 like a taken id, with its own error value.
      const conflict = await clientIdConflict(config.clientId, reservation);
      if (conflict !== null) throw clientIdReserved(conflict);
      let secret: string | undefined;
      if (needsSecret) config.secretHash = await hashSecret((secret = generateClientSecret()));
      const created = await clients.create(config);
      events.clientChanged({ change: 'created', clientId: created.clientId, by });
      return { ...toClientView(created), ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 as const }) };
    },

    async list(): Promise<ClientView[]> {
      return (await clients.list()).map(toClientView);
    },

    /** Removes the client; its tokens already issued stay valid until they expire. */
    async delete(clientId: string, by: AdminCaller): Promise<void> {
      if (!(await clients.delete(clientId))) throw clientNotFound();
      events.clientChanged({ change: 'deleted', clientId, by });
    },

    /** Its next token request fails (invalid_client); idempotent. */
    async disable(clientId: string, by: AdminCaller): Promise<ClientView> {
      if (!(await clients.disable(clientId))) throw clientNotFound();
      events.clientChanged({ change: 'disabled', clientId, by });
      const client = await clients.findById(clientId);
      if (!client) throw clientNotFound();
      return toClientView(client);
    },
  };
}

export type ClientAdmin = ReturnType<typeof createClientAdmin>;
