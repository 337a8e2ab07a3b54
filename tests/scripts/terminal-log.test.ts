import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAccessLog } from '../../lib/http/access-log.js';
import { createLogger } from '../../lib/logger.js';
import { createTerminalLog } from '../../scripts/start/terminal-log.js';

/** JSON lines exactly as a service writes them, from the services' own logger and access log. */
function serviceLines(write: (logger: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  // pino writes synchronously to a plain stream's write(), so the lines are there on return.
  write(createLogger({ name: 'gateway', destination }));
  return lines;
}

const request = (route: string, path: string, status: number) => ({ reqId: 'a1b2', method: 'GET', route, path, status, ms: 1.28, aborted: false });

describe('npm start terminal log', () => {
  const [listening, probe, failedProbe, call, warning] = serviceLines((logger) => {
    logger.info({ url: 'http://127.0.0.1:8080' }, 'gateway listening');
    const access = createAccessLog(logger);
    access(request('/readyz', '/readyz', 200));
    access(request('/readyz', '/readyz', 503));
    access(request('/api/notes', '/api/notes', 401));
    logger.warn({ jwksUri: 'http://localhost:4000/.well-known/jwks.json' }, 'JWKS fetch failed');
  }) as [string, string, string, string, string];

  it('when the stack is still starting, then only warnings and errors are shown, so the banner is not buried', () => {
    const log = createTerminalLog({ colorize: false, quietStart: true });
    expect(log.format(listening)).toBeUndefined();
    expect(log.format(call)).toBeUndefined();
    expect(log.format(warning)).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: JWKS fetch failed \{"jwksUri":"http:\/\/localhost:4000\/\.well-known\/jwks\.json"\}$/);
  });

  it('when the banner is out, then each line is one short readable line, requests as method, path, status and time', () => {
    const log = createTerminalLog({ colorize: false, quietStart: true });
    log.ready();
    expect(log.format(call)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/notes 401 1\.28 ms$/);
    expect(log.format(listening)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: gateway listening \{"url":"http:\/\/127\.0\.0\.1:8080"\}$/);
    for (const line of [call, listening]) expect(log.format(line)).not.toMatch(/"level"|reqId|"service"/);
  });

  it('when health probes are answered, then their request lines are dropped unless the probe failed', () => {
    const log = createTerminalLog({ colorize: false, quietStart: false });
    expect(log.format(probe)).toBeUndefined();
    expect(log.format(failedProbe)).toMatch(/GET \/readyz 503/);
  });

  it('when LOG_LEVEL was set (quietStart off), then start-up info lines are shown too', () => {
    expect(createTerminalLog({ colorize: false, quietStart: false }).format(listening)).toMatch(/gateway listening/);
  });

  it.each(['gateway: invalid configuration: GATEWAY_PORT: must be a TCP port number', '    at start (file:///app/main.js:1:1)', '{"not":"a log line"}'])(
    'when a line is not a service log line (%s), then it passes through unchanged',
    (line) => {
      expect(createTerminalLog({ colorize: false, quietStart: true }).format(line)).toBe(line);
    },
  );
});
