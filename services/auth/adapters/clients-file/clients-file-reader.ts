import type { Env } from '../../../../lib/config.js';
import { type ClientDefinition, ClientsFileError, clientsFromDocument } from '../../domain/clients/clients-file.js';
import { parseConfigDocument, readConfigText } from '../config-files/config-document.js';

/**
 * AUTH_CLIENTS_FILE as text: YAML or JSON, with syntax errors placed by line and column
 * (config-files/config-document.ts). What the clients in it may be is the domain's
 * (domain/clients/clients-file.ts).
 */
export function parseClientsFile(text: string, options: { file: string; env: Env }): ClientDefinition[] {
  const parsed = parseConfigDocument(text, options.file);
  if (!parsed.ok) throw new ClientsFileError(options.file, parsed.issues);
  return clientsFromDocument(parsed.data, options);
}

/** Reads and parses the file at `path`; a missing or unreadable file is a ClientsFileError too. */
export async function readClientsFile(path: string, env: Env): Promise<ClientDefinition[]> {
  const read = await readConfigText(path);
  if (!read.ok) throw new ClientsFileError(path, read.issues);
  return parseClientsFile(read.text, { file: path, env });
}
