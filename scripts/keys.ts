/**
 * `npm run keys -- <init|rotate|show> --file <path>` (compiled: `node dist/scripts/keys.js ...`):
 * offline tool for the auth service's signing key set, for deployments where the set is a
 * read-only mounted Secret and the admin API cannot rotate. It runs the service's own key-set
 * code, so what it writes is exactly what the service loads. Never prints private key members.
 */
import { KeyFileError, KeySetReadOnlyError } from '../services/auth/signing-key-file.js';
import { runCli } from './cli.js';
import { RefusedError, runKeysCommand, USAGE } from './keys/commands.js';

runCli({
  name: 'keys',
  usage: USAGE,
  isRefusal: (err) => err instanceof RefusedError || err instanceof KeyFileError || err instanceof KeySetReadOnlyError,
  run: (argv, print) => runKeysCommand(argv, print),
});
