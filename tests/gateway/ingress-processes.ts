import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, isAddressInUse } from '../support/free-port.js';
import { waitFor } from './http-client.js';

/**
 * Debian's nginx and caddy, started by a test on a loopback port with a config in a temp dir (never
 * the system services), in front of an upstream, asking the gateway's decision port. The site
 * blocks are the ones docs/edge.md shows.
 */
export type IngressName = 'nginx' | 'caddy';

export interface RunningIngress {
  url: string;
  /** The config the ingress runs with. */
  config: string;
  close(): Promise<void>;
}

/** True when the binary is on PATH. Under CI a missing one is a failure (.ci/run installs both); elsewhere the caller skips. */
export function ingressAvailable(name: IngressName): boolean {
  const found = spawnSync(name, ['-v'], { stdio: 'ignore' }).status === 0 || spawnSync(name, ['version'], { stdio: 'ignore' }).status === 0;
  if (found) return true;
  if (process.env.CI) throw new Error(`CI is set but ${name} is not on PATH (apt-get install ${name})`);
  console.warn(`[skip] ${name} ingress tests: no ${name} on PATH (apt-get install ${name})`);
  return false;
}

/** `host:port` of a URL. */
const hostPort = (url: string) => new URL(url).host;

/** The nginx server block of docs/edge.md: auth_request to /decide/auth-request, identity headers copied upstream. */
export function nginxServer(listen: string, decision: string, upstream: string): string {
  return `server {
    listen ${listen};

    location / {
        auth_request /_authgate;
        # The decision's identity headers, copied to the upstream request (absent ones are not sent,
        # and a client's own X-Auth-* never passes: proxy_set_header replaces headers of that name).
        auth_request_set $auth_subject   $upstream_http_x_auth_subject;
        auth_request_set $auth_client_id $upstream_http_x_auth_client_id;
        auth_request_set $auth_scope     $upstream_http_x_auth_scope;
        auth_request_set $auth_roles     $upstream_http_x_auth_roles;
        auth_request_set $auth_actor     $upstream_http_x_auth_actor;
        proxy_set_header X-Auth-Subject   $auth_subject;
        proxy_set_header X-Auth-Client-Id $auth_client_id;
        proxy_set_header X-Auth-Scope     $auth_scope;
        proxy_set_header X-Auth-Roles     $auth_roles;
        proxy_set_header X-Auth-Actor     $auth_actor;
        # A route's rate limit: its fields on allowed answers, and its 429 (which nginx would turn
        # into a 500, as any status but 2xx/401/403 of the subrequest) handed on by @authgate_refused.
        auth_request_set $auth_status           $upstream_status;
        auth_request_set $auth_retry_after      $upstream_http_retry_after;
        auth_request_set $auth_ratelimit        $upstream_http_ratelimit;
        auth_request_set $auth_ratelimit_policy $upstream_http_ratelimit_policy;
        add_header RateLimit        $auth_ratelimit;
        add_header RateLimit-Policy $auth_ratelimit_policy;
        error_page 500 = @authgate_refused;
        proxy_pass http://${upstream};
    }

    location @authgate_refused {
        default_type application/json;
        add_header Retry-After      $auth_retry_after always;
        add_header RateLimit        $auth_ratelimit always;
        add_header RateLimit-Policy $auth_ratelimit_policy always;
        if ($auth_status = 429) {
            return 429 '{"error":"too_many_requests","error_description":"rate limit reached; retry after the Retry-After seconds"}\n';
        }
        return 500;
    }

    location = /_authgate {
        internal;
        proxy_pass http://${decision}/decide/auth-request;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Original-URI    $request_uri;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host  $http_host;
        # The client as nginx saw it (replacing any X-Forwarded-For it sent): rate limits by address.
        proxy_set_header X-Forwarded-For   $remote_addr;
    }
}`;
}

const UNRESOLVED = ['X-Auth-Subject', 'X-Auth-Client-Id', 'X-Auth-Scope', 'X-Auth-Roles', 'X-Auth-Actor'];

/** The Caddyfile site of docs/edge.md: forward_auth to /decide/forward-auth, identity headers copied upstream. */
export function caddySite(listen: string, decision: string, upstream: string): string {
  return `http://${listen} {
    # route: in this order (Caddy's default order would run request_header after forward_auth).
    route {
        # A client's own X-Auth-* never reach the upstream; the decision's are copied after this.
        request_header -X-Auth-*
        forward_auth ${decision} {
            uri /decide/forward-auth
            copy_headers X-Auth-Subject X-Auth-Client-Id X-Auth-Scope X-Auth-Roles X-Auth-Actor
        }
        # Caddy 2.6 (Debian 12) copies a header the decision did not send as its unresolved
        # placeholder text (a public route, a token without an actor): drop those.
${UNRESOLVED.map((header) => `        @no_${header} header_regexp ${header} ^\\{http\\.reverse_proxy\\.header\\.\n        request_header @no_${header} -${header}`).join('\n')}
        reverse_proxy ${upstream}
    }
}`;
}

/** Starts `name` on a free loopback port; retried on another port should the chosen one be taken meanwhile. */
export async function startIngress(name: IngressName, decisionUrl: string, upstreamUrl: string): Promise<RunningIngress> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(name, await freePort(), decisionUrl, upstreamUrl);
    } catch (err) {
      if (attempt >= 3 || !isAddressInUse(err)) throw err;
    }
  }
}

async function launch(name: IngressName, port: number, decisionUrl: string, upstreamUrl: string): Promise<RunningIngress> {
  const dir = await mkdtemp(path.join(tmpdir(), `authgate-${name}-`));
  const listen = `127.0.0.1:${port}`;
  let config: string;
  let child: ChildProcess;
  if (name === 'nginx') {
    const server = nginxServer(listen, hostPort(decisionUrl), hostPort(upstreamUrl));
    const temp = (kind: string) => `${kind}_temp_path ${dir}/${kind};`;
    config = `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join(' ')}\n${server}\n}\n`;
    await writeFile(path.join(dir, 'nginx.conf'), config);
    child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    config = `{\n    admin off\n    auto_https off\n}\n\n${caddySite(listen, hostPort(decisionUrl), hostPort(upstreamUrl))}\n`;
    await writeFile(path.join(dir, 'Caddyfile'), config);
    // Caddy keeps state under $HOME / XDG dirs: the temp dir, not the runner's home.
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    child = spawn('caddy', ['run', '--config', path.join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  }
  let output = '';
  let exited = false;
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('exit', () => (exited = true));
  const url = `http://${listen}`;
  const close = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await waitFor(() => exited, { timeoutMs: 10_000 }).catch(() => child.kill('SIGKILL'));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => exited || (await fetch(`${url}/public`).then((res) => res.status === 200, () => false)), { timeoutMs: 20_000, intervalMs: 50 });
  } catch (err) {
    await close();
    throw new Error(`${name} did not come up: ${output}`, { cause: err });
  }
  if (exited) {
    await close();
    throw new Error(`${name} exited: ${output}${/address already in use/i.test(output) ? ' EADDRINUSE' : ''}`);
  }
  return { url, config, close };
}
