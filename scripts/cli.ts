/**
 * What the operator CLIs (authctl, keys) share: exit codes and how errors are printed.
 * 0 done; 1 refused or unreachable (the operator must act); 2 bad command line (printed with the
 * usage). Messages never carry secrets: the commands' own errors are written that way, and
 * unexpected errors print only their message.
 */

/** Bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliSpec {
  /** Prefix of every message, e.g. `authctl`. */
  name: string;
  usage: string;
  /** Runs the command; `print` writes one line of output. */
  run: (argv: string[], print: (line: string) => void) => Promise<void>;
  /** Errors that mean "refused" (exit 1, message only); anything else unexpected also exits 1. */
  isRefusal: (err: unknown) => boolean;
}

async function exitCodeOf({ name, usage, run, isRefusal }: CliSpec, argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(`${usage}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    await run(argv, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${name}: ${err.message}\n\n${usage}\n`);
      return 2;
    }
    if (!isRefusal(err)) throw err;
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Runs the CLI on this process's arguments and sets the exit code. */
export function runCli(spec: CliSpec): void {
  exitCodeOf(spec, process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // File-system and network errors name a path or an address, never a secret.
      process.stderr.write(`${spec.name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
