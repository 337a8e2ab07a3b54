import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './ipc.js';

/** A forked bench process (upstream or proxy under test). */
export interface BenchChild {
  readonly pid: number;
  /** Base URL the child listens on (loopback, port 0). */
  readonly url: string;
  /** The child's total CPU time so far (user + system, all its threads), in µs. */
  cpuMicros(): Promise<number>;
  /** Starts the child's V8 CPU profiler. */
  profileStart(): Promise<void>;
  /** Stops it and has the child write the .cpuprofile to `file`. */
  profileStop(file: string): Promise<void>;
  /** Closes the IPC channel (the child exits by itself), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface StartChildOptions {
  /** Where the child's stdout goes: 'ignore' is /dev/null; a number is an open file descriptor. */
  stdout?: 'ignore' | 'inherit' | number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /**
   * Run the child under valgrind's callgrind, which counts the instructions it executes (see
   * instructions-bench.ts); dumps go to `<file>.<n>-<thread>`. Startup takes tens of seconds.
   */
  callgrindOutFile?: string;
}

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Every child dies with the run: normal exit, an uncaught error, Ctrl-C or SIGTERM. */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const child of live) child.kill('SIGKILL');
    live.clear();
  };
  process.on('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping ${live.size} child process(es)\n`);
      killAll();
      process.exit(code);
    });
  }
}

// Children run TypeScript through the same tsx the parent runs under.
const TSX_LOADER = import.meta.resolve('tsx');
const STARTUP_TIMEOUT_MS = 20_000;
const CALLGRIND_STARTUP_TIMEOUT_MS = 180_000;

/** Forks `bench/<script>` with `args` (JSON) and waits for its `ready` message. */
export function startChild(script: string, args: unknown, options: StartChildOptions = {}): Promise<BenchChild> {
  installCleanup();
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'];
  const nodeArgs = ['--import', TSX_LOADER, ...(options.nodeFlags ?? [])];
  const underCallgrind = options.callgrindOutFile !== undefined;
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(args)], {
    ...(underCallgrind
      ? { execPath: 'valgrind', execArgv: ['-q', '--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${options.callgrindOutFile}`, process.execPath, ...nodeArgs] }
      : { execArgv: nodeArgs }),
    stdio,
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  let nextId = 0;
  const pending = new Map<number, (message: ChildMessage) => void>();
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  /** Sends a request and resolves with the child's answer to it. */
  const ask = (message: ParentMessage) =>
    new Promise<ChildMessage>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${script} is gone`));
      pending.set(message.id, resolve);
      child.send(message);
    });
  const checked = (answer: ChildMessage) => {
    if (answer.type === 'done' && answer.error !== undefined) throw new Error(`${script}: ${answer.error}`);
  };

  return new Promise<BenchChild>((resolve, reject) => {
    const startupMs = underCallgrind ? CALLGRIND_STARTUP_TIMEOUT_MS : STARTUP_TIMEOUT_MS;
    const timer = setTimeout(() => fail(new Error(`${script} did not start within ${startupMs} ms`)), startupMs);
    const onExit = (code: number | null, signal: string | null) => fail(new Error(`${script} exited before it was ready (code ${code}, signal ${signal})`));
    function fail(err: Error) {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(err);
    }
    child.once('exit', onExit);
    child.on('message', (message: ChildMessage) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        pid: child.pid ?? -1,
        url: message.url,
        cpuMicros: async () => {
          const answer = await ask({ type: 'cpu', id: nextId++ });
          return answer.type === 'cpu' ? answer.userUs + answer.systemUs : Number.NaN;
        },
        profileStart: async () => checked(await ask({ type: 'profile-start', id: nextId++ })),
        profileStop: async (file) => checked(await ask({ type: 'profile-stop', id: nextId++, file })),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          if (child.connected) child.disconnect();
          const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(kill);
        },
      });
    });
  });
}
