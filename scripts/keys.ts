/**
 * `npm run keys -- <init|rotate|show> --file <path>` (compiled: `node dist/scripts/keys.js ...`):
 * offline tool for the auth service's signing key set, for deployments where the set is a
 * read-only mounted Secret and the admin API cannot rotate. It runs the service's own key-set
 * code, so what it writes is exactly what the service loads. Never prints private key members.
 */
import { KeyStoreReadOnlyError } from '../services/auth/domain/ports/key-store.js';
import { KeyFileError } from '../services/auth/adapters/keys/key-set-format.js';
import { RefusedError, runKeysCommand, USAGE, UsageError } from './keys/commands.js';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    await runKeysCommand(argv, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`keys: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof RefusedError || err instanceof KeyFileError || err instanceof KeyStoreReadOnlyError) {
      process.stderr.write(`keys: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // File-system errors name a path and a code; key-set errors never quote the content.
    process.stderr.write(`keys: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
