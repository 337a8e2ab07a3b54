import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../../gateway/http-client.js';
import { withFreePorts } from '../../support/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface LocalStack {
  launcher: ChildProcess;
  /** Public URL of the gateway and of the auth service, on their free loopback ports. */
  gateway: string;
  authUrl: string;
  /** The gateway's decision port (GATEWAY_DECISION_PORT). */
  decision: string;
  /** Everything the launcher printed so far (banner, warnings). */
  output(): string;
  /** The launcher's exit code once it exited, undefined while it runs. */
  exitCode(): number | null | undefined;
  /** SIGTERM (SIGKILL after 20 s), then removes the data dir. */
  stop(): Promise<void>;
}

/**
 * The stack as `npm start` runs it, on free ports with its own data dir and none of the caller's
 * Redis, MongoDB or issuer settings: `npm start` itself (`via: 'npm'`, so a signal must get
 * through npm's process too) or its script directly. Resolves once the banner says ready. The
 * six ports are told to the processes in advance, so they come from withFreePorts, which starts
 * the stack again on new ports should one of them have been taken meanwhile (EADDRINUSE).
 */
export function startLocalStack(options: { via: 'npm' | 'script'; env?: Record<string, string> }): Promise<LocalStack> {
  return withFreePorts(6, (ports) => launch(options, ports));
}

async function launch({ via, env = {} }: { via: 'npm' | 'script'; env?: Record<string, string> }, ports: number[]): Promise<LocalStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'authgate-e2e-'));
  const [auth, notes, reports, gw, ops, decision] = ports;
  const [command, args] = via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'scripts/start.ts']];
  const launcher = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      AUTH_PORT: String(auth),
      NOTES_PORT: String(notes),
      REPORTS_PORT: String(reports),
      GATEWAY_PORT: String(gw),
      GATEWAY_OPS_PORT: String(ops),
      GATEWAY_DECISION_PORT: String(decision),
      AUTH_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      AUTH_ISSUER: '',
      AUTH_ADMIN_TOKEN: '',
      REDIS_URL: '',
      MONGODB_URI: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exitCode: number | null | undefined;
  launcher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.once('exit', (code) => (exitCode = code));
  await waitFor(() => output.includes('[start] ready: gateway') || exitCode !== undefined, { timeoutMs: 90_000, intervalMs: 100 });
  if (exitCode !== undefined) {
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`npm start failed:\n${output}`);
  }
  return {
    launcher,
    gateway: `http://127.0.0.1:${gw}`,
    authUrl: `http://127.0.0.1:${auth}`,
    decision: `http://127.0.0.1:${decision}`,
    output: () => output,
    exitCode: () => exitCode,
    async stop() {
      if (exitCode === undefined) {
        launcher.kill('SIGTERM');
        await waitFor(() => exitCode !== undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => launcher.kill('SIGKILL'));
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
