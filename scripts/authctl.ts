/**
 * `npm run authctl -- <command>`: operator CLI over the auth service's admin API (clients, user
 * locks, key rotation). Reads AUTH_URL (default http://localhost:4000) and AUTH_ADMIN_TOKEN. Exit codes: 0
 * done, 1 refused or unreachable, 2 bad command line. Never prints the admin token.
 */
import { AdminApiError, createAdminApiClient } from './authctl/admin-api-client.js';
import { runCommand, USAGE, UsageError } from './authctl/commands.js';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const adminToken = process.env.AUTH_ADMIN_TOKEN;
  if (!adminToken) {
    process.stderr.write('authctl: AUTH_ADMIN_TOKEN is not set (npm start prints the dev value it generated)\n');
    return 2;
  }
  const api = createAdminApiClient({ baseUrl: process.env.AUTH_URL || 'http://localhost:4000', adminToken });
  try {
    await runCommand(argv, api, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`authctl: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof AdminApiError) {
      process.stderr.write(`authctl: ${err.message}\n`);
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
    process.stderr.write(`authctl: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
