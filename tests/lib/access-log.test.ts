import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAccessLog } from '../../lib/http/access-log.js';
import { createLogger } from '../../lib/logger.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'gateway', level, destination }) };
}

describe('access log line', () => {
  it.each([
    ['a plain path', '/api/notes/n-1'],
    ['quotes, a backslash and U+2028', '/api/notes/"quoted"\\\u2028'],
    ['control characters and non-ASCII', '/api/notes/\u0001\u007f\u00e9\ud83d\ude00'],
  ])('when a request with %s ends, then the line is what pino itself writes for the same fields', (_name, path) => {
    const { lines, logger } = capture();
    const entry = { reqId: 'r-1', method: 'GET', route: '/api/notes', path, status: 200, ms: 1.25 };
    createAccessLog(logger)({ ...entry, aborted: false });
    logger.child({}, { redact: [] }).info(entry, 'request');
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.replace(/"time":"[^"]+"/, '')).toBe(lines[1]!.replace(/"time":"[^"]+"/, ''));
  });

  it('when the status is 5xx or the client left, then level 50 and aborted are written; below the level, nothing', () => {
    const { lines, logger } = capture();
    createAccessLog(logger)({ reqId: 'r', method: undefined, route: '(unmatched)', path: '/', status: 502, ms: 3, aborted: true });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, aborted: true, status: 502, service: 'gateway', msg: 'request' });
    const quiet = capture('warn');
    createAccessLog(quiet.logger)({ reqId: 'r', method: 'GET', route: '/', path: '/', status: 200, ms: 1, aborted: false });
    expect(quiet.lines).toEqual([]);
  });
});
