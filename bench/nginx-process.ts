import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../tests/support/free-port.js';

/** A Debian nginx for the bench: one process (`master_process off`), so its CPU is one /proc entry. */
export interface BenchNginx {
  url: string;
  /** The nginx process's CPU so far (user + system), in µs, from /proc (clock-tick resolution). */
  cpuMicros(): number;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export function nginxAvailable(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * nginx in front of `upstream`, asking `decider` (`host:port`) with auth_request, as docs/edge.md
 * configures it, with keep-alive pools to both (what anyone running it for load sets).
 */
export async function startBenchNginx(upstream: string, decider: string, deciderPath: string): Promise<BenchNginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-bench-nginx-'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${dir}/${kind};`).join(' ');
  const identity = ['Subject', 'Client-Id', 'Scope', 'Roles', 'Actor'];
  const variable = (name: string) => `$auth_${name.toLowerCase().replace('-', '_')}`;
  const config = `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
  access_log off;
  ${temp}
  upstream app { server ${upstream}; keepalive 64; }
  upstream decider { server ${decider}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /_authgate;
${identity.map((name) => `      auth_request_set ${variable(name)} $upstream_http_x_auth_${name.toLowerCase().replace('-', '_')};\n      proxy_set_header X-Auth-${name} ${variable(name)};`).join('\n')}
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://app;
    }
    location = /_authgate {
      internal;
      proxy_pass http://decider${deciderPath};
      proxy_http_version 1.1;
      proxy_pass_request_body off;
      proxy_set_header Connection "";
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI    $request_uri;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host  $http_host;
      proxy_set_header X-Forwarded-For   $remote_addr;
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), config);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const up = await fetch(`${url}/api/notes/probe`).then(() => true, () => false);
    if (up) break;
    if (attempt > 100 || child.exitCode !== null) throw new Error('bench nginx did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    cpuMicros() {
      // Fields 14 and 15 (utime, stime) of /proc/<pid>/stat, after the parenthesised command name.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
