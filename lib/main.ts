import { ConfigError } from './config.js';

/**
 * Wraps a process's composition root: a configuration error prints one clear line and exits 1;
 * anything else that stops start-up prints its message (never a config value) and exits 1.
 */
export function runMain(name: string, start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${name}: failed to start: ${message}\n`);
    }
    process.exit(1);
  });
}
