import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs a script in a fresh node (stdout is fd 1 there) and returns what it printed. */
function run(script: string): string {
  // Whatever the exit (the second case kills itself), what reached stdout is what counts.
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 }).stdout;
}

describe('batched stdout logging (createLogger bufferBytes)', () => {
  it('when many lines are logged and the process exits at once, then every line is written, in order', () => {
    const out = run(`
      import { createLogger } from './lib/logger.ts';
      const logger = createLogger({ name: 'gateway', bufferBytes: 4096 });
      for (let i = 0; i < 500; i++) logger.info({ i }, 'line');
      process.exit(0);
    `);
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { i: number; service: string });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(lines[0]).toMatchObject({ service: 'gateway', msg: 'line' });
  });

  it('when a quiet process logs one line, then it shows within about a second, before exit', () => {
    const out = run(`
      import { createLogger } from './lib/logger.ts';
      const logger = createLogger({ name: 'gateway', bufferBytes: 4096 });
      logger.info('quiet');
      // Past the flush interval, end abruptly: SIGKILL runs no exit handler, so only the timer wrote it.
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1600);
    `);
    expect(out).toContain('"msg":"quiet"');
  });

  it('when lines hold multi-byte UTF-8 and some are longer than a batch, then every line arrives whole, in order', () => {
    const out = run(`
      import { createLogger } from './lib/logger.ts';
      const logger = createLogger({ name: 'gateway', bufferBytes: 1024 });
      for (let i = 0; i < 300; i++) logger.info({ i, text: i % 7 === 0 ? 'ž€😀'.repeat(i) : 'plain' }, 'line');
      process.exit(0);
    `);
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { i: number; text: string });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const line of lines) expect(line.text).toBe(line.i % 7 === 0 ? 'ž€😀'.repeat(line.i) : 'plain');
  });
});
