import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBaseApp, finishApp } from '../../lib/http/base-app.js';
import { jsonBody } from '../../lib/http/request-body.js';
import { createLogger } from '../../lib/logger.js';

const json = Buffer.from('{"title":"hello"}');
const truncated = (compressed: Buffer) => compressed.subarray(0, compressed.length - 4);

/** One row: a body as sent, with its Content-Encoding, and what it must get back. */
interface Row {
  name: string;
  body: Buffer;
  encoding?: string;
  status: number;
  error?: string;
  description?: RegExp;
}

const rows: Row[] = [
  // Compressed bodies the parser must inflate: still accepted.
  { name: 'a gzip body', body: gzipSync(json), encoding: 'gzip', status: 200 },
  { name: 'a deflate body', body: deflateSync(json), encoding: 'deflate', status: 200 },
  { name: 'a br body', body: brotliCompressSync(json), encoding: 'br', status: 200 },
  // Corrupt or truncated compressed data: the caller's fault, so 400, not 500.
  { name: 'plain JSON labelled gzip', body: json, encoding: 'gzip', status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'plain JSON labelled deflate', body: json, encoding: 'deflate', status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'plain JSON labelled br', body: json, encoding: 'br', status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'a truncated gzip body', body: truncated(gzipSync(json)), encoding: 'gzip', status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'a truncated deflate body', body: truncated(deflateSync(json)), encoding: 'deflate', status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'a truncated br body', body: truncated(brotliCompressSync(json)), encoding: 'br', status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  // An encoding the parser does not speak.
  { name: 'an unknown Content-Encoding', body: json, encoding: 'compress', status: 415, error: 'invalid_request', description: /Content-Encoding/ },
  // Valid JSON that is not an object is not a syntax error.
  { name: 'a JSON string', body: Buffer.from('"str"'), status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  { name: 'a JSON array', body: Buffer.from('[1]'), status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  { name: 'JSON null', body: Buffer.from('null'), status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  { name: 'a JSON number', body: Buffer.from('42'), status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  { name: 'malformed JSON', body: Buffer.from('{"title":'), status: 400, error: 'invalid_request', description: /^request body is not valid JSON$/ },
];

describe('jsonBody and the error handler, on bad bodies', () => {
  let server: Server;
  let base: string;
  const logLines: Array<{ level: number; msg: string }> = [];

  beforeAll(async () => {
    const logger = createLogger({ name: 'test', level: 'warn', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
    const app = createBaseApp({ logger });
    app.post('/echo', ...jsonBody(), (req, res) => {
      res.json(req.body);
    });
    finishApp(app);
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    logLines.length = 0;
  });

  it.each(rows)('when $name is posted, then $status', async ({ body, encoding, status, error, description }) => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) },
      body,
    });
    const answer = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(status);
    if (status === 200) {
      expect(answer).toEqual({ title: 'hello' });
      return;
    }
    expect(answer.error).toBe(error);
    expect(answer.error_description).toMatch(description!);
    // A caller's mistake is not a server fault: nothing is logged at error level (no stack trace).
    expect(logLines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
