import { writeSync } from 'node:fs';

/**
 * A pino destination that collects lines in memory and writes them to stdout in batches of about
 * `batchBytes`, and at least once a second, instead of one `write` syscall per line. (sonic-boom's
 * own `minLength` buffering measures its whole pending buffer on every line, which costs more than
 * it saves at a line per request.) Writes are synchronous, as pino's default destination's are, so
 * nothing is left in flight: what is pending is written on `flush()` and at process exit; only a
 * SIGKILL loses it.
 */
export class BatchedStdout {
  private parts: string[] = [];
  private pending = 0;

  constructor(private readonly batchBytes: number) {
    setInterval(() => this.flush(), 1_000).unref();
    process.once('exit', () => this.flush());
  }

  write(line: string): boolean {
    this.parts.push(line);
    // String length, not bytes: close enough to decide when to write, and costs nothing.
    this.pending += line.length;
    if (this.pending >= this.batchBytes) this.flush();
    return true;
  }

  /** Writes what is pending now; pino's `logger.flush(cb)` lands here. */
  flush(done?: (err?: Error) => void): void {
    if (this.pending > 0) {
      const chunk = this.parts.join('');
      this.parts = [];
      this.pending = 0;
      try {
        writeAll(chunk);
      } catch (err) {
        // stdout gone (closed pipe): logging must not take the process down.
        return done?.(err as Error);
      }
    }
    done?.();
  }
}

function writeAll(chunk: string): void {
  let buffer = Buffer.from(chunk, 'utf8');
  while (buffer.length > 0) {
    try {
      const written = writeSync(1, buffer);
      buffer = buffer.subarray(written);
    } catch (err) {
      // A non-blocking stdout pipe that is full: try again (what pino's sync destination does).
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
