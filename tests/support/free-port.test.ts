import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, isAddressInUse, withFreePorts } from './free-port.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49_152;
  }
}

const listenOn = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/** What one separate test process is handed: `count` ports, printed as JSON once all are taken. */
const PICKER = `
import { freePort } from './tests/support/free-port.ts';
const ports = [];
for (let i = 0; i < Number(process.argv[1]); i++) ports.push(await freePort());
console.log(JSON.stringify(ports));
await new Promise((resolve) => process.stdin.once('data', resolve));
`;

describe('test ports (tests/support/free-port.ts)', () => {
  it('when ports are handed out, then each lies below the kernel\'s ephemeral range, is never handed out twice, and can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart());
    const servers = await Promise.all(ports.slice(0, 5).map(listenOn));
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('when two test processes take ports at the same time, then no port is handed to both', async () => {
    // 300 each out of ~22,000: without a reservation both sides share about four ports.
    const picks = Array.from({ length: 2 }, () => {
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PICKER, '300'], { cwd: ROOT });
      const ports = new Promise<number[]>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
        });
        child.once('exit', (code) => reject(new Error(`picker exited ${code}`)));
      });
      return { child, ports };
    });
    try {
      const [a, b] = await Promise.all(picks.map((pick) => pick.ports));
      expect(a!.filter((port) => b!.includes(port))).toEqual([]);
    } finally {
      for (const { child } of picks) child.stdin!.end('done\n');
    }
  }, 30_000);

  it('when a new test process sweeps stale reservations while another writes one, then the live draft stays and a dead one goes', async () => {
    const dir = path.join(tmpdir(), 'authgate-test-ports');
    mkdirSync(dir, { recursive: true });
    // Empty, as a draft is between its creation and its write; its pid (ours) is alive.
    const live = path.join(dir, `1.${process.pid}.draft`);
    const dead = path.join(dir, '2.999999999.draft');
    writeFileSync(live, '');
    writeFileSync(dead, '');
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "import './tests/support/free-port.ts';"], { cwd: ROOT }, (err) => (err ? reject(err) : resolve())),
      );
      expect(existsSync(live)).toBe(true);
      expect(existsSync(dead)).toBe(false);
    } finally {
      rmSync(live, { force: true });
      rmSync(dead, { force: true });
    }
  });

  it('when a start fails because its port was taken meanwhile, then withFreePorts starts it again on new ports', async () => {
    const tried: number[][] = [];
    const started = await withFreePorts(2, async (ports) => {
      tried.push(ports);
      if (tried.length === 1) {
        // Someone else binds the first port between the pick and the listen.
        const squatter = await listenOn(ports[0]!);
        try {
          await listenOn(ports[0]!);
        } finally {
          squatter.close();
        }
      }
      return ports;
    });
    expect(tried).toHaveLength(2);
    expect(started).toEqual(tried[1]);
    expect(tried[1]).not.toContain(tried[0]![0]);
  });

  it('when a start fails for another reason, then it is not retried', async () => {
    let calls = 0;
    await expect(
      withFreePorts(1, async () => {
        calls++;
        throw new Error('bad configuration');
      }),
    ).rejects.toThrow('bad configuration');
    expect(calls).toBe(1);
  });

  it.each([
    ['a listen error', Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:20001'), { code: 'EADDRINUSE' }), true],
    ['a spawned process\'s output', new Error('npm start failed:\nauth: failed to start: listen EADDRINUSE: address already in use'), true],
    ['a wrapped cause', new Error('cannot start', { cause: Object.assign(new Error('x'), { code: 'EADDRINUSE' }) }), true],
    ['another error', new Error('ECONNREFUSED'), false],
  ])('when the error is %s, then isAddressInUse says %s', (_name, err, expected) => {
    expect(isAddressInUse(err)).toBe(expected);
  });
});
