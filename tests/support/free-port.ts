import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The lowest port of the kernel's ephemeral range: what `listen(0)` and every outgoing
 * connection's local end are given. A port chosen below it cannot be handed to any of the
 * suite's other servers or clients between the check here and the caller's own `listen`
 * (a `listen(0)`-then-close check could be, and once was: EADDRINUSE under a busy parallel run).
 */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 0) return start;
  } catch {
    // Not Linux: the IANA range's start, which is what macOS and Windows use.
  }
  return 49_152;
}

const LOWEST = 10_000;
const handedOut = new Set<number>();

/**
 * A TCP port free right now on 127.0.0.1, for the rare server whose URL must be known before it
 * starts (an issuer URL that discovery compares byte for byte, two services that point at each
 * other). With `offsets`, `port + offset` is free too for each of them (a Redis Cluster node's
 * bus port). Chosen at random below the ephemeral range, and never twice in one test process.
 */
export async function freePort(offsets: readonly number[] = []): Promise<number> {
  const highest = ephemeralStart() - 1 - Math.max(0, ...offsets);
  if (highest <= LOWEST) throw new Error(`no room for test ports below the ephemeral range (${ephemeralStart()})`);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    const wanted = [port, ...offsets.map((offset) => port + offset)];
    if (wanted.some((candidate) => handedOut.has(candidate))) continue;
    if (!(await Promise.all(wanted.map(isFree))).every(Boolean)) continue;
    for (const candidate of wanted) handedOut.add(candidate);
    return port;
  }
  throw new Error('no free test port found in 200 attempts');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
