import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';

/** Where a configuration file is wrong and how; never the file's values (they may be secrets). */
export interface DocumentIssue {
  path: string;
  message: string;
}

export type ParsedDocument = { ok: true; data: unknown } | { ok: false; issues: DocumentIssue[] };

/**
 * A configuration file (clients, identity providers) as data: YAML or JSON (by extension, else by
 * its first character), with syntax errors placed by line and column. What the data may be is the
 * domain's.
 */
export function parseConfigDocument(text: string, file: string): ParsedDocument {
  const json = isJson(file, text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: json ? 'json' : 'core' });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    return { ok: false, issues: [{ path: `line ${line}, column ${col}`, message: `not valid ${json ? 'JSON' : 'YAML'}: ${plainYamlMessage(syntaxError.message)}` }] };
  }
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { ok: false, issues: [{ path: 'document', message: err instanceof Error ? plainYamlMessage(err.message) : 'cannot be read' }] };
  }
}

/** The file's text, or the issue that it cannot be read. */
export async function readConfigText(path: string): Promise<{ ok: true; text: string } | { ok: false; issues: DocumentIssue[] }> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, issues: [{ path: 'file', message: `cannot be read (${code})` }] };
  }
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
