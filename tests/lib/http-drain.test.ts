import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../auth/contracts/poll.js';
import { withFreePorts } from '../support/free-port.js';
import { keepAliveLoad, type LoadRequest } from '../support/keepalive-load.js';

/**
 * A replica stopped the way Kubernetes stops it (SIGTERM while keep-alive clients are busy on it)
 * loses no request: responses during the drain carry `Connection: close`, requests already on
 * their way are served, and the process exits as soon as the last socket is gone.
 */

const CLEAN_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', REDIS_URL: '', MONGODB_URI: '' };
const CLIENTS = 12;

/**
 * Spawns `main` on a port from withFreePorts (told in advance: the gateway and auth must know
 * their URLs) and waits until it is healthy; a process that exits first fails with its stderr, so
 * an EADDRINUSE starts it again on another port.
 */
function startProcess(main: string, env: (url: string, port: number) => Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return withFreePorts(1, async ([port]) => {
    const url = `http://127.0.0.1:${port!}`;
    const child = spawn(process.execPath, ['--import', 'tsx', main], { env: { ...CLEAN_ENV, ...env(url, port!) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${main} exited during start-up: ${stderr}`);
        return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `${url} to start` },
    );
    return { child, url };
  });
}

async function drainUnderLoad(child: ChildProcess, url: string, requests: LoadRequest[]) {
  const load = keepAliveLoad(url, { clients: CLIENTS, requests });
  // Busy first: every client has its socket open and requests in flight when the signal comes.
  await pollUntil(() => load.started() >= CLIENTS * 5, { timeoutMs: 20_000, what: 'the load to run' });
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
    const signalled = performance.now();
    child.once('exit', (code) => resolve({ code, ms: performance.now() - signalled }));
  });
  child.kill('SIGTERM');
  const exit = await exited;
  load.stop();
  return { exit, result: await load.running };
}

describe('SIGTERM under keep-alive load', () => {
  let dataDir: string;
  let auth: ChildProcess;
  let authUrl: string;
  const spare: ChildProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'drain-'));
    ({ child: auth, url: authUrl } = await startProcess('services/auth/main.ts', (url, port) => ({ AUTH_PORT: String(port), AUTH_DATA_DIR: dataDir, AUTH_ISSUER: url })));
    spare.push(auth);
  }, 60_000);
  afterAll(async () => {
    for (const child of spare) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when the gateway gets SIGTERM while proxying, then no request fails and it exits well before the grace time', async () => {
    const { child: gateway, url } = await startProcess('gateway/main.ts', (_url, port) => ({ GATEWAY_PORT: String(port), AUTH_URL: authUrl, AUTH_ISSUER: authUrl }));
    spare.push(gateway);

    const { exit, result } = await drainUnderLoad(gateway, url, [
      { method: 'GET', path: '/.well-known/jwks.json' },
      { method: 'GET', path: '/healthz' },
      { method: 'GET', path: '/.well-known/openid-configuration' },
    ]);

    expect(result.failures).toEqual([]);
    expect(result.movedOn).toBe(CLIENTS);
    expect(Object.keys(result.statuses)).toEqual(['200']);
    expect(exit.code).toBe(0);
    // The grace time is 10 s; the drain ends with the last request, not with the timer.
    expect(exit.ms).toBeLessThan(5_000);
  }, 60_000);

  it('when auth gets SIGTERM during logins, then no request fails and it exits well before the grace time', async () => {
    const { exit, result } = await drainUnderLoad(auth, authUrl, [
      // A real argon2 verification (unknown user: dummy hash) keeps requests in flight at the signal.
      { method: 'POST', path: '/auth/login', body: JSON.stringify({ username: 'nobody-here', password: 'wrong password here' }) },
      { method: 'GET', path: '/.well-known/jwks.json' },
      { method: 'GET', path: '/healthz' },
    ]);

    expect(result.failures).toEqual([]);
    expect(result.movedOn).toBe(CLIENTS);
    // 401 for the unknown user, 429 once its failures pile up: answers, never a 5xx.
    expect(Object.keys(result.statuses).filter((status) => Number(status) >= 500)).toEqual([]);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(5_000);
  }, 60_000);
});
