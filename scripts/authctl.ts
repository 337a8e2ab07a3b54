/**
 * `npm run authctl -- <command>`: operator CLI over the auth service's admin API (clients, user
 * locks, key rotation). Reads AUTH_URL (default http://localhost:4000) and AUTH_ADMIN_TOKEN. Exit
 * codes: 0 done, 1 refused or unreachable, 2 bad command line. Never prints the admin token.
 */
import { AdminApiError, createAdminApiClient } from './authctl/admin-api-client.js';
import { runCommand, USAGE } from './authctl/commands.js';
import { runCli, UsageError } from './cli.js';

runCli({
  name: 'authctl',
  usage: USAGE,
  isRefusal: (err) => err instanceof AdminApiError,
  run: async (argv, print) => {
    const adminToken = process.env.AUTH_ADMIN_TOKEN;
    if (!adminToken) throw new UsageError('AUTH_ADMIN_TOKEN is not set (npm start prints the dev value it generated)');
    const api = createAdminApiClient({ baseUrl: process.env.AUTH_URL || 'http://localhost:4000', adminToken });
    await runCommand(argv, api, print);
  },
});
