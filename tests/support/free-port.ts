import { linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The suite's one way to get a port known before its server starts. A server that can be told
 * port 0 is started on 0 and its address read back; everything else (an issuer URL that discovery
 * compares byte for byte, two services that point at each other, a spawned process, a port that
 * must stay refused) takes its port from here.
 *
 * Ports come from below the kernel's ephemeral range, which is what `listen(0)` and every outgoing
 * connection's local end are given: a port picked there cannot be handed to another server or
 * client of this or any other test run between the check here and the caller's own `listen`. A
 * `listen(0)`-then-close pick could be, and once was (EADDRINUSE inside 32768-60999 under a busy
 * parallel run). Each port is also reserved, for the life of the test process, by a file under
 * the machine's temp dir, so two test processes (vitest's workers, or another checkout's run) do
 * not pick the same one; what is left (a foreign program binding it in between) `withFreePorts`
 * retries.
 */

/** The lowest port of the ephemeral range; the IANA range's start where /proc does not say (macOS, Windows). */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 0) return start;
  } catch {
    // Not Linux.
  }
  return 49_152;
}

/** Above the usual fixed ports of local tools (Redis 6379, the stack's 4000-8081 defaults). */
const LOWEST = 10_000;
const RESERVATIONS = path.join(tmpdir(), 'authgate-test-ports');
/** `<port>.<pid>.draft`: a reservation being written by process `<pid>` (claim). */
const DRAFT_NAME = /^\d+\.(\d+)\.draft$/;
const held = heldByThisProcess();

/**
 * A TCP port free right now on 127.0.0.1 and reserved for this test process. With `offsets`,
 * `port + offset` is free and reserved too for each of them (a Redis Cluster node's bus port).
 */
export async function freePort(offsets: readonly number[] = []): Promise<number> {
  const highest = ephemeralStart() - 1 - Math.max(0, ...offsets);
  if (highest <= LOWEST) throw new Error(`no room for test ports below the ephemeral range (${ephemeralStart()})`);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    const wanted = [port, ...offsets.map((offset) => port + offset)];
    if (!reserve(wanted)) continue;
    if ((await Promise.all(wanted.map(isFree))).every(Boolean)) return port;
    release(wanted);
  }
  throw new Error('no free test port found in 200 attempts');
}

/**
 * Starts something on `count` ports from freePort and, when it fails because a port was taken
 * after all (EADDRINUSE: a program outside the suite bound it between the check and the listen),
 * starts it again on new ports, up to `attempts` times. `start` must clean up after itself when it
 * throws, and its error must carry the EADDRINUSE (as `code`, or in the message, e.g. a spawned
 * process's output).
 */
export async function withFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>, { attempts = 3 } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    try {
      return await start(ports);
    } catch (err) {
      if (attempt >= attempts || !isAddressInUse(err)) throw err;
    }
  }
}

/** Whether `err` says a port was in use: a listen's own error, or a spawned process's report of one. */
export function isAddressInUse(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE' || err.message.includes('EADDRINUSE') || (err.cause !== undefined && isAddressInUse(err.cause));
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Claims every port of `ports` (all or none) with an exclusive file naming this process. */
function reserve(ports: readonly number[]): boolean {
  mkdirSync(RESERVATIONS, { recursive: true });
  const claimed: number[] = [];
  for (const port of ports) {
    if (!claim(port)) {
      release(claimed);
      return false;
    }
    claimed.push(port);
  }
  return true;
}

function claim(port: number): boolean {
  const file = reservationFile(port);
  for (let tries = 0; tries < 2; tries++) {
    try {
      // Written aside, then linked into place: the reservation appears with its owner in it, never
      // empty (an empty one would look abandoned to another process's sweep).
      const draft = `${file}.${process.pid}.draft`;
      writeFileSync(draft, String(process.pid));
      try {
        linkSync(draft, file);
      } finally {
        removeFile(draft);
      }
      held.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Ours already (handed out before), or another live process's; one whose process is gone
      // (killed before its exit hook ran) is taken over.
      if (processAlive(readOwner(file))) return false;
      removeFile(file);
    }
  }
  return false;
}

function release(ports: readonly number[]): void {
  for (const port of ports) {
    held.delete(port);
    removeFile(reservationFile(port));
  }
}

const reservationFile = (port: number) => path.join(RESERVATIONS, String(port));

function readOwner(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    return NaN;
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/**
 * This process's reservations, removed when it exits. On globalThis, so one set and one exit hook
 * serve every test file that loads this module in the process. A worker the runner kills gets no
 * exit event, so the first load in each process also removes the reservations of dead processes.
 */
function heldByThisProcess(): Set<number> {
  const key = Symbol.for('authgate.test-ports.held');
  const holder = globalThis as { [key]?: Set<number> };
  let held = holder[key];
  if (!held) {
    const ports = new Set<number>();
    process.once('exit', () => {
      for (const port of ports) removeFile(reservationFile(port));
    });
    held = holder[key] = ports;
    removeStaleReservations();
  }
  return held;
}

function removeStaleReservations(): void {
  let names: string[];
  try {
    names = readdirSync(RESERVATIONS);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(RESERVATIONS, name);
    // A draft is owned by the pid in its name: its content may not be written yet (an empty file
    // read as "no owner" was swept while its process was about to link it, which then failed).
    const draft = DRAFT_NAME.exec(name);
    const owner = draft ? Number(draft[1]) : readOwner(file);
    if (!processAlive(owner)) removeFile(file);
  }
}
