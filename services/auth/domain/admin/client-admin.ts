import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../../lib/errors.js';
import { generateClientSecret } from '../client-secret.js';
import { audienceSchema, clientIdSchema, publicJwksSchema, scopeTokenSchema, uniqueList } from '../clients/client-fields.js';
import type { ClientConfig, ClientRecord, ClientStore } from '../ports/client-store.js';
import { clientIdConflict, type ClientIdReservationDeps } from './client-id-reservation.js';

/** What the admin API shows of a client: configuration and state, never a secret or its hash. */
export interface ClientView {
  client_id: string;
  scopes: string[];
  audiences: string[];
  grant_types: string[];
  token_endpoint_auth_methods: string[];
  /** kids of the registered public keys (private_key_jwt clients). */
  jwks_kids?: string[];
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

/** RFC 7591 §3.2.1 style: the secret appears in this one answer and nowhere else, ever. */
export interface CreatedClient extends ClientView {
  client_secret?: string;
  client_secret_expires_at?: 0;
}

/** POST /admin/clients body; the HTTP layer parses it, so the use case receives typed fields. */
export const newClientSchema = z.strictObject({
  client_id: clientIdSchema.optional(),
  scopes: uniqueList(scopeTokenSchema).min(1, 'must list at least one scope'),
  audiences: uniqueList(audienceSchema).optional(),
  jwks: publicJwksSchema.optional(),
});
export type NewClient = z.output<typeof newClientSchema>;

export interface ClientAdminDeps extends ClientIdReservationDeps {
  clients: ClientStore;
  /** The client-secret hasher (HMAC-SHA-256 under the server key). */
  hashSecret: (secret: string) => Promise<string>;
}

export function toClientView(client: ClientRecord): ClientView {
  return {
    client_id: client.clientId,
    scopes: [...client.scopes],
    audiences: [...client.audiences],
    grant_types: [...client.grantTypes],
    token_endpoint_auth_methods: [...client.tokenEndpointAuthMethods],
    ...(client.jwks ? { jwks_kids: client.jwks.keys.map((key) => key.kid ?? '(no kid)') } : {}),
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
    disabled_at: client.disabledAt ? client.disabledAt.toISOString() : null,
  };
}

const clientNotFound = () => new AppError('CLIENT_NOT_FOUND', 404, 'no client with this client_id', { error: 'not_found' });
const clientIdReserved = (problem: string) =>
  new AppError('CLIENT_ID_RESERVED', 409, `client_id ${problem}`, { error: 'client_id_reserved' });

/**
 * Client registration for operators (the admin API and authctl). A client with `jwks`
 * authenticates with private_key_jwt and gets no secret; any other gets a fresh 256-bit secret,
 * returned once and stored only as its keyed hash. Every client made here is confidential
 * and uses client_credentials.
 */
export function createClientAdmin({ clients, hashSecret, ...reservation }: ClientAdminDeps) {
  return {
    async create({ client_id, scopes, audiences = [], jwks }: NewClient): Promise<CreatedClient> {
      const config: ClientConfig = {
        clientId: client_id ?? `client-${randomBytes(9).toString('base64url')}`,
        scopes,
        audiences,
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethods: jwks ? ['private_key_jwt'] : ['client_secret_basic', 'client_secret_post'],
      };
      // Before hashing a secret or writing anything; 409 like a taken id, with its own error value.
      const conflict = await clientIdConflict(config.clientId, reservation);
      if (conflict !== null) throw clientIdReserved(conflict);
      let secret: string | undefined;
      if (jwks) config.jwks = jwks;
      else config.secretHash = await hashSecret((secret = generateClientSecret()));
      const created = await clients.create(config);
      return { ...toClientView(created), ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 as const }) };
    },

    async list(): Promise<ClientView[]> {
      return (await clients.list()).map(toClientView);
    },

    /** Removes the client; its tokens already issued stay valid until they expire. */
    async delete(clientId: string): Promise<void> {
      if (!(await clients.delete(clientId))) throw clientNotFound();
    },

    /** Its next token request fails (invalid_client); idempotent. */
    async disable(clientId: string): Promise<ClientView> {
      if (!(await clients.disable(clientId))) throw clientNotFound();
      const client = await clients.findById(clientId);
      if (!client) throw clientNotFound();
      return toClientView(client);
    },
  };
}

export type ClientAdmin = ReturnType<typeof createClientAdmin>;
