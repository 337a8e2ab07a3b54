import type { Env } from '../../lib/config.js';
import { readClientsFile } from './adapters/clients-file/clients-file-reader.js';
import { upsertClientsFromFile, type UpsertClientsFromFileDeps, type UpsertClientsFromFileResult } from './domain/clients/upsert-clients-from-file.js';

/**
 * AUTH_CLIENTS_FILE at start: read by the adapter (file, YAML, secrets from `env`), applied by
 * the domain (all or nothing). Throws a ClientsFileError naming AUTH_CLIENTS_FILE.
 */
export async function applyClientsFile(path: string, deps: UpsertClientsFromFileDeps & { env: Env }): Promise<UpsertClientsFromFileResult> {
  return upsertClientsFromFile(path, await readClientsFile(path, deps.env), deps);
}
