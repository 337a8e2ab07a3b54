/**
 * The auth service's signing key set file, as offline tools see it (`npm run keys`,
 * deploy/init-secrets.sh): the same code the service loads the file with, so what a tool writes is
 * exactly what every replica reads. Tools import this module, never the adapters behind it.
 */
export { KeySetReadOnlyError } from './domain/tokens/signing-key-set.js';
export { KeyFileError, parseKeySet } from './adapters/keys/key-set-format.js';
export type { KeyDescription } from './adapters/keys/key-set-changes.js';
export { createKeySetFile, describeKeySetFile, rotateKeySetFile } from './adapters/keys/key-set-operations.js';
