import type { Env } from '../../../../lib/config.js';
import { IdentityProvidersFileError, providersFromDocument, type IdentityProviderDefinition } from '../../domain/federation/identity-providers-file.js';
import { parseConfigDocument, readConfigText } from '../config-files/config-document.js';

/** AUTH_IDENTITY_PROVIDERS_FILE read and validated; every problem in one IdentityProvidersFileError. */
export async function readIdentityProvidersFile(path: string, env: Env): Promise<IdentityProviderDefinition[]> {
  const read = await readConfigText(path);
  if (!read.ok) throw new IdentityProvidersFileError(path, read.issues);
  return parseIdentityProvidersFile(read.text, { file: path, env });
}

export function parseIdentityProvidersFile(text: string, options: { file: string; env: Env }): IdentityProviderDefinition[] {
  const parsed = parseConfigDocument(text, options.file);
  if (!parsed.ok) throw new IdentityProvidersFileError(options.file, parsed.issues);
  return providersFromDocument(parsed.data, options);
}
