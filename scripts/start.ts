/**
 * `npm start`: the whole local stack in one command. Starts auth, then notes, gateway (and
 * reports once it exists) as child processes with the environment passed through, waits for each
 * /readyz, seeds a demo user through the gateway, prints URLs, credentials and a walk-through, and
 * stops everything on Ctrl-C / SIGTERM (exit 0). A child that dies during start-up stops the
 * others and exits 1 with its error.
 *
 * Children log JSON as always; in this terminal each line is shown short and readable, and until
 * the banner only warnings and errors (scripts/start/terminal-log.ts; set LOG_LEVEL to see all).
 *
 * Every variable of the contract is honoured (ports, HOST, AUTH_ISSUER, AUTH_DATA_DIR, REDIS_URL,
 * MONGODB_URI, AUTH_ADMIN_TOKEN, LOG_LEVEL); DEMO_USERNAME / DEMO_PASSWORD change the seeded user.
 * Filled in when unset: AUTH_ADMIN_TOKEN and REPORTS_CLIENT_SECRET (random per run),
 * AUTH_CLIENTS_FILE (deploy/clients.yaml; the demo OIDC app `demo-spa` is added to a copy),
 * ALLOWED_ORIGINS (the gateway's loopback origins),
 * AUTH_URL / NOTES_URL / REPORTS_URL / GATEWAY_URL (the loopback ports above).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clientsFileWithDemoSpa, DEMO_SPA_PATH } from './start/demo-spa-client.js';
import { formatNotice, watchOutbox } from './start/outbox-watch.js';
import { createTerminalLog } from './start/terminal-log.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
/** Lines of a child's stderr kept to explain why it died. */
const STDERR_TAIL_LINES = 20;

interface ServiceSpec {
  name: string;
  entry: string;
  port: number;
}

interface RunningChild {
  spec: ServiceSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
  stderrTail: string[];
}

const env: Record<string, string | undefined> = { ...process.env };
const host = env.HOST || '127.0.0.1';
// Children bind HOST; the launcher and the gateway reach them on a loopback when HOST is a wildcard.
const reachHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
const port = (name: string, fallback: number) => Number(env[name] || fallback);
const ports = { auth: port('AUTH_PORT', 4000), notes: port('NOTES_PORT', 4001), reports: port('REPORTS_PORT', 4002), gateway: port('GATEWAY_PORT', 8080) };
const urlOf = (p: number) => `http://${reachHost.includes(':') ? `[${reachHost}]` : reachHost}:${p}`;

env.HOST = host;
env.AUTH_PORT = String(ports.auth);
env.NOTES_PORT = String(ports.notes);
env.REPORTS_PORT = String(ports.reports);
env.GATEWAY_PORT = String(ports.gateway);
env.AUTH_ISSUER ||= `http://localhost:${ports.auth}`;
env.AUTH_URL ||= urlOf(ports.auth);
env.NOTES_URL ||= urlOf(ports.notes);
env.REPORTS_URL ||= urlOf(ports.reports);
env.GATEWAY_URL ||= urlOf(ports.gateway);
env.GATEWAY_DEMO_PAGE ||= 'true';
const generatedAdminToken = !env.AUTH_ADMIN_TOKEN;
env.AUTH_ADMIN_TOKEN ||= randomBytes(32).toString('base64url');
// Without Redis the gateway and services hear logouts from auth's internal feed, which only
// holders of this secret may read; one value per run, shared by the children alone.
env.REVOCATION_FEED_TOKEN ||= randomBytes(32).toString('base64url');
// Browser pages are served through the gateway, so its own origins may make cookie writes (auth and gateway).
env.ALLOWED_ORIGINS ||= `http://localhost:${ports.gateway},http://127.0.0.1:${ports.gateway}`;
// reports gets client-credentials tokens as client `reports`, declared in the clients file; its
// secret is made up per run unless given, and reaches auth (for the file) and reports alike.
env.AUTH_CLIENTS_FILE ||= path.join(ROOT, 'deploy/clients.yaml');
env.REPORTS_CLIENT_SECRET ||= randomBytes(32).toString('base64url');
// The browser-session demo page at the gateway's `/` (off by default in the gateway itself).
env.GATEWAY_DEMO_PAGE ||= 'true';
// The OIDC demo app at /spa/ is public client `demo-spa`: the clients file gets it added.
const pageOrigin = reachHost === '127.0.0.1' ? `http://localhost:${ports.gateway}` : urlOf(ports.gateway);
env.AUTH_CLIENTS_FILE = clientsFileWithDemoSpa(env.AUTH_CLIENTS_FILE, [pageOrigin, `http://localhost:${ports.gateway}`, urlOf(ports.gateway)]);
const demo = { username: env.DEMO_USERNAME || 'demo', password: env.DEMO_PASSWORD || 'demo-password-1234' };

const terminalLog = createTerminalLog({ colorize: process.stdout.isTTY === true, quietStart: !process.env.LOG_LEVEL });
const running: RunningChild[] = [];
let stopping = false;

function log(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

/** Each child's output goes to ours, line by line, prefixed with its name (the tail keeps raw lines). */
function pipeLines(stream: NodeJS.ReadableStream, name: string, out: NodeJS.WriteStream, tail?: string[]): void {
  const lines = createInterface({ input: stream });
  lines.on('line', (line) => {
    const shown = terminalLog.format(line);
    if (shown !== undefined) out.write(`[${name}] ${shown}\n`);
    if (tail) {
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    }
  });
}

function startChild(spec: ServiceSpec): RunningChild {
  // Own process group: a terminal Ctrl-C reaches only the launcher, which then stops each child
  // once (a second signal would make a child skip its graceful close).
  const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stderrTail: string[] = [];
  pipeLines(child.stdout!, spec.name, process.stdout);
  pipeLines(child.stderr!, spec.name, process.stderr, stderrTail);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.once('error', () => resolve(1));
  });
  const entry = { spec, child, exited, stderrTail };
  running.push(entry);
  void exited.then((code) => {
    if (!stopping) void fail(`${spec.name} exited unexpectedly (code ${code})`, entry);
  });
  return entry;
}

async function waitReady(entry: RunningChild): Promise<void> {
  const url = `${urlOf(entry.spec.port)}/readyz`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void entry.exited.then(() => (exited = true));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${entry.spec.name} exited during start-up`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${entry.spec.name} not ready at ${url} after ${READY_TIMEOUT_MS / 1000} s (${last})`);
}

async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    running.map(async ({ child, exited }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function fail(reason: string, culprit?: RunningChild): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  process.stderr.write(`[start] ${reason}\n`);
  if (culprit && culprit.stderrTail.length > 0) process.stderr.write(`[start] last lines of ${culprit.spec.name}:\n${culprit.stderrTail.map((l) => `  ${l}`).join('\n')}\n`);
  await stopAll();
  process.exit(1);
}

/** Registers the demo user through the gateway; an existing one (409) is fine. */
async function seedDemoUser(gatewayUrl: string): Promise<void> {
  const res = await fetch(`${gatewayUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(demo),
  });
  if (res.status === 201 || res.status === 409) return;
  throw new Error(`seeding the demo user failed: ${res.status} ${await res.text()}`);
}

function printWelcome(gatewayUrl: string, services: RunningChild[]): void {
  const lines = [
    '',
    'authgate is running.',
    '',
    `  gateway  ${gatewayUrl}   <- the only address clients need`,
    ...services.filter((s) => s.spec.name !== 'gateway').map((s) => `  ${s.spec.name.padEnd(8)} ${urlOf(s.spec.port)}`),
    '',
    `  demo user      ${demo.username} / ${demo.password}`,
    // localhost is a secure context, so the Secure session cookies work over plain http there.
    `  demo page      ${pageOrigin}/   <- open in a browser, log in as the demo user`,
    `  demo OIDC app  ${pageOrigin}${DEMO_SPA_PATH}   <- the same notes as a public OpenID Connect app (code + PKCE)`,
    generatedAdminToken ? `  admin token    ${env.AUTH_ADMIN_TOKEN}   (generated for this run; set AUTH_ADMIN_TOKEN to choose one)` : '  admin token    from AUTH_ADMIN_TOKEN',
    '',
    'Walk-through (through the gateway only):',
    `  TOKEN=$(curl -s ${gatewayUrl}/auth/login -H 'content-type: application/json' \\`,
    `          -d '{"username":"${demo.username}","password":"${demo.password}"}' | node -p 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `  curl -s ${gatewayUrl}/api/notes -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"title":"hello"}'`,
    `  curl -s ${gatewayUrl}/api/notes -H "authorization: Bearer $TOKEN"`,
    ...(services.some((s) => s.spec.name === 'reports') ? [`  curl -s ${gatewayUrl}/api/reports/summary -H "authorization: Bearer $TOKEN"   # reports exchanges your token (RFC 8693) and reads your notes`] : []),
    `  curl -si ${gatewayUrl}/api/notes                                   # no token: 401, WWW-Authenticate: Bearer realm="gateway"`,
    `  curl -si ${gatewayUrl}/api/notes -H "authorization: Bearer \${TOKEN}x"  # tampered: 401 invalid_token`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  log(`ready: gateway ${gatewayUrl}`);
  terminalLog.ready();
}

async function main(): Promise<void> {
  const signalled = () => {
    if (stopping) return;
    log('stopping...');
    void stopAll().then(() => {
      log('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', signalled);
  process.on('SIGTERM', signalled);
  // Last resort if the launcher itself dies abruptly: do not leave detached children behind.
  process.on('exit', () => {
    for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });

  if (!env.SMTP_URL) {
    // Without SMTP auth writes each mail as an .eml file; its link is shown here, never in a log.
    const outbox = path.resolve(ROOT, env.AUTH_DATA_DIR || '.data', 'outbox');
    await watchOutbox(outbox, (notice) => log(formatNotice(notice)), (err) => log(`cannot read a mail in ${outbox}: ${err.message}`));
    log(`mail: SMTP_URL is not set, so mails are written to ${outbox}/ and their links printed here`);
  }
  log(`starting auth on :${ports.auth} (issuer ${env.AUTH_ISSUER}, ${env.MONGODB_URI ? 'MongoDB' : 'embedded'} users, ${env.REDIS_URL ? 'Redis' : 'in-memory'} tokens)`);
  const auth = startChild({ name: 'auth', entry: 'services/auth/main.ts', port: ports.auth });
  await waitReady(auth);

  const later: ServiceSpec[] = [
    { name: 'notes', entry: 'services/notes/main.ts', port: ports.notes },
    { name: 'reports', entry: 'services/reports/main.ts', port: ports.reports },
    { name: 'gateway', entry: 'gateway/main.ts', port: ports.gateway },
  ].filter((spec) => existsSync(path.join(ROOT, spec.entry)));
  const children = later.map(startChild);
  await Promise.all(children.map(waitReady));

  const gatewayUrl = urlOf(ports.gateway);
  await seedDemoUser(gatewayUrl);
  printWelcome(gatewayUrl, [auth, ...children]);
}

main().catch((err: unknown) => {
  const culprit = running.find((entry) => entry.child.exitCode !== null);
  void fail((err as Error).message, culprit);
});
