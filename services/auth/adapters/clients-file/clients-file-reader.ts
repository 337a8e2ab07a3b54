import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Env } from '../../../../lib/config.js';
import { type ClientDefinition, ClientsFileError, clientsFromDocument } from '../../domain/clients/clients-file.js';

/**
 * AUTH_CLIENTS_FILE as text: YAML or JSON (by extension, else by its first character), with
 * syntax errors placed by line and column. What the clients in it may be is the domain's
 * (domain/clients/clients-file.ts).
 */
export function parseClientsFile(text: string, options: { file: string; env: Env }): ClientDefinition[] {
  const { file } = options;
  const json = isJson(file, text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: json ? 'json' : 'core' });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new ClientsFileError(file, [{ path: `line ${line}, column ${col}`, message: `not valid ${json ? 'JSON' : 'YAML'}: ${plainYamlMessage(syntaxError.message)}` }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ClientsFileError(file, [{ path: 'document', message: err instanceof Error ? plainYamlMessage(err.message) : 'cannot be read' }]);
  }
  return clientsFromDocument(data, options);
}

/** Reads and parses the file at `path`; a missing or unreadable file is a ClientsFileError too. */
export async function readClientsFile(path: string, env: Env): Promise<ClientDefinition[]> {
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

/**
 * The yaml package ends its messages with " at line 2, column 1:" and a source excerpt; the place
 * is already given, so only the first sentence stays.
 */
function plainYamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?\s*$/, '').trim();
}
