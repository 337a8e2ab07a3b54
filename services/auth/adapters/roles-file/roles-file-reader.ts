import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { configErrorOf } from '../../../../lib/config.js';
import { roleScopesFromDocument, type RoleScopes } from '../../domain/users/roles.js';

/**
 * AUTH_ROLES_FILE (YAML or JSON, `roles: {<role>: {scopes: [...]}}`), read once at start: every
 * problem is listed in one ConfigError naming the variable, so a bad file stops the start.
 */
export async function readRolesFile(path: string): Promise<RoleScopes> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configErrorOf([{ variable: 'AUTH_ROLES_FILE', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` }]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw configErrorOf([{ variable: 'AUTH_ROLES_FILE', message: 'is not valid YAML or JSON' }]);
  const result = roleScopesFromDocument(doc.toJS({ maxAliasCount: 100 }));
  if ('problems' in result) throw configErrorOf(result.problems.map(({ path: where, message }) => ({ variable: `AUTH_ROLES_FILE ${where}`, message })));
  return result.roleScopes;
}
