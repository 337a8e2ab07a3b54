import { clientIdConflict, type ClientIdReservationDeps } from '../admin/client-id-reservation.js';
import { type ClientDefinition, type ClientsFileIssue, ClientsFileError } from './clients-file.js';
import { ignoreAuthEvents, type AuthEvents } from '../auth-events.js';
import type { ClientConfig, ClientStore } from './client-store.js';

export interface UpsertClientsFromFileDeps extends ClientIdReservationDeps {
  clients: ClientStore;
  /** The client-secret hasher (HMAC-SHA-256 under the server key). */
  hashSecret: (secret: string) => Promise<string>;
  /** Where each created or replaced client is reported (audit trail); ignored when absent. */
  events?: AuthEvents;
}

/** Client ids by outcome, for the start-up log line (ids only, never secrets). */
export interface UpsertClientsFromFileResult {
  created: string[];
  updated: string[];
}

/**
 * Applies AUTH_CLIENTS_FILE at start: every client in the file is created, or has its
 * configuration replaced (secret hash, keys, scopes, audiences, grants). Clients that are only in
 * the store (made through the admin API) are left alone, and disabled clients stay disabled.
 *
 * Nothing is written unless the whole file is valid and every secret is hashed: a bad file throws
 * a ClientsFileError and leaves the store as it was. A store failure part-way leaves the earlier
 * clients applied; running again converges, since each upsert is idempotent.
 */
export async function upsertClientsFromFile(path: string, definitions: readonly ClientDefinition[], deps: UpsertClientsFromFileDeps): Promise<UpsertClientsFromFileResult> {

  // Reserved ids (first-party client, users' ids) are refused like any other bad entry: every one
  // is listed, and nothing is written.
  const reserved: ClientsFileIssue[] = [];
  for (const [index, { clientId }] of definitions.entries()) {
    const conflict = await clientIdConflict(clientId, deps);
    if (conflict !== null) reserved.push({ path: `clients[${index}].client_id`, clientId, message: conflict });
  }
  if (reserved.length > 0) throw new ClientsFileError(path, reserved);

  // Hashed before any write, so a failure leaves the store as it was.
  const configs: ClientConfig[] = [];
  for (const definition of definitions) configs.push(await toClientConfig(definition, deps.hashSecret));

  const result: UpsertClientsFromFileResult = { created: [], updated: [] };
  for (const config of configs) {
    const { created } = await deps.clients.upsert(config);
    (created ? result.created : result.updated).push(config.clientId);
    (deps.events ?? ignoreAuthEvents).clientChanged({ change: created ? 'created' : 'updated', clientId: config.clientId, by: { source: 'clients_file' } });
  }
  return result;
}

async function toClientConfig({ secret, ...config }: ClientDefinition, hashSecret: (secret: string) => Promise<string>): Promise<ClientConfig> {
  return secret ? { ...config, secretHash: await hashSecret(secret.reveal()) } : config;
}
