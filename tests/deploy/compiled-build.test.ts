import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../auth/contracts/poll.js';
import { withFreePorts } from '../support/free-port.js';
import { ROOT } from './manifests.js';

/**
 * `npm run build` then `node dist/...` exactly as the image runs them, from the repository root
 * (so dist/ resolves node_modules as it does in the image's /app): the compiled output must run
 * as is, with no file the Dockerfile has to add by hand.
 */
const run = promisify(execFile);

interface Compiled {
  exited: Promise<number | null>;
  listening: Promise<string>;
  stop(): Promise<number | null>;
  output(): string;
}

/** Runs a compiled entry point; `listening` resolves with the URL from its start-up log line. */
function runCompiled(entry: string, env: Record<string, string>, listeningMessage: string): Compiled {
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = output.split('\n').find((l) => l.includes(`"msg":"${listeningMessage}"`));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`${entry} exited ${code} before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return {
    exited,
    listening,
    output: () => output,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('the compiled build (npm run build)', () => {
  let dataDir: string;
  const running: Compiled[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'compiled-build-'));
    await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 170_000 });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when built, then dist/ holds every entry point and the demo page assets beside the gateway', () => {
    for (const file of ['gateway/main.js', 'services/auth/main.js', 'services/notes/main.js', 'services/reports/main.js', 'scripts/keys.js', 'scripts/authctl.js']) {
      expect(existsSync(path.join(ROOT, 'dist', file)), file).toBe(true);
    }
    for (const file of ['index.html', 'app.js', 'app.css']) expect(existsSync(path.join(ROOT, 'dist/gateway/demo-page', file)), file).toBe(true);
  });

  it('when node dist/services/auth/main.js and node dist/gateway/main.js start, then the gateway is ready, serves the demo page and proxies to auth', async () => {
    // The issuer URL names the port, so it is chosen in advance; a port taken meanwhile (the exit's
    // output says EADDRINUSE) starts auth again on another.
    const { auth, issuer } = await withFreePorts(1, async ([authPort]) => {
      const issuer = `http://127.0.0.1:${authPort!}`;
      const auth = runCompiled('dist/services/auth/main.js', { AUTH_PORT: String(authPort), AUTH_ISSUER: issuer, AUTH_DATA_DIR: dataDir }, 'auth service listening');
      running.push(auth);
      await auth.listening;
      return { auth, issuer };
    });

    const gateway = runCompiled(
      'dist/gateway/main.js',
      { GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', GATEWAY_DEMO_PAGE: 'true', AUTH_ISSUER: issuer, AUTH_URL: issuer },
      'gateway listening',
    );
    running.push(gateway);
    const gatewayUrl = await gateway.listening;

    await pollUntil(async () => (await fetch(`${gatewayUrl}/readyz`)).status === 200, { timeoutMs: 20_000, what: 'the compiled gateway to be ready' });
    const page = await fetch(`${gatewayUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${gatewayUrl}/app.js`)).status).toBe(200);
    const discovery = await fetch(`${gatewayUrl}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);

    expect(await gateway.stop()).toBe(0);
    expect(await auth.stop()).toBe(0);
  }, 60_000);
});
