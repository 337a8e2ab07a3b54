/**
 * What the operator CLIs (authctl, keys) share: exit codes and how errors are printed.
 * 0 done; 1 refused or unreachable (the operator must act); 2 bad command line (one line naming
 * the mistake and where the usage is). Messages never carry secrets: the commands' own errors are
 * written that way, and unexpected errors print only their message.
 */

/** Bad command line: one line and a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Node's parseArgs errors in plain words. Its own text is written for programmers (and its
 * unknown-option hint even ends on an unbalanced quote), so each kind is matched and reworded;
 * `usage` supplies the option names for a "did you mean". Other messages pass through unchanged.
 */
export function plainUsageMessage(message: string, usage: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    const option = unknown[1]!;
    const guess = closestOption(option, usage);
    return `unknown option ${option}${guess ? ` (did you mean ${guess}?)` : ''}`;
  }
  const missing = /^Option '([^' ]+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value, e.g. ${missing[1]} <value>`;
  const flag = /^Option '([^' ]+)' does not take an argument/.exec(message);
  if (flag) return `${flag[1]} is a switch and takes no value`;
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (positional) return `unexpected argument ${positional[1]}`;
  return message;
}

/** The option of `usage` nearest to a mistyped one (edit distance at most 2, or a prefix). */
function closestOption(typed: string, usage: string): string | undefined {
  const options = [...new Set(usage.match(/--[a-z][a-z-]*/g) ?? [])];
  let best: { option: string; distance: number } | undefined;
  for (const option of options) {
    const distance = option.startsWith(typed) || typed.startsWith(option) ? 1 : editDistance(typed, option);
    if (distance <= 2 && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
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
      // One line, not the whole usage: the mistake is what the operator needs to see first.
      process.stderr.write(`${name}: ${plainUsageMessage(err.message, usage)}; run with --help for usage\n`);
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
