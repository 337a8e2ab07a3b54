import { writeSync } from 'node:fs';

/**
 * A pino destination that collects lines in memory and writes them to stdout in batches of about
 * `batchBytes`, and at least once a second, instead of one `write` syscall per line. (sonic-boom's
 * own `minLength` buffering measures its whole pending buffer on every line, which costs more than
 * it saves at a line per request.) Writes are synchronous, as pino's default destination's are, so
 * nothing is left in flight: what is pending is written on `flush()` and at process exit; only a
 * SIGKILL loses it.
 *
 * Lines are encoded into one reused Buffer as they come, not kept as strings until the batch is
 * written: a busy gateway's ~100 pending lines were otherwise copied by every young-generation GC
 * and promoted to the old one, and joined and encoded again per batch.
 */
export class BatchedStdout {
  private readonly batch: Buffer;
  private used = 0;

  constructor(batchBytes: number) {
    this.batch = Buffer.allocUnsafe(batchBytes);
    setInterval(() => this.flush(), 1_000).unref();
    process.once('exit', () => this.flush());
  }

  write(line: string): boolean {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: with that much room left the line fits, unmeasured.
    const worstCase = line.length * 3;
    if (this.used + worstCase > this.batch.length) {
      this.flush();
      if (worstCase > this.batch.length) {
        writeAllOrDrop(Buffer.from(line, 'utf8'));
        return true;
      }
    }
    this.used += this.batch.write(line, this.used, 'utf8');
    return true;
  }

  /** Writes what is pending now; pino's `logger.flush(cb)` lands here. */
  flush(done?: (err?: Error) => void): void {
    if (this.used > 0) {
      const chunk = this.batch.subarray(0, this.used);
      this.used = 0;
      const err = writeAllOrDrop(chunk);
      if (err) return done?.(err);
    }
    done?.();
  }
}

/** Writes `chunk` to stdout whole; a closed stdout is reported, not thrown: logging must not take the process down. */
function writeAllOrDrop(chunk: Buffer): Error | undefined {
  let rest = chunk;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(1, rest));
    } catch (err) {
      // A non-blocking stdout pipe that is full: try again (what pino's sync destination does).
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return err as Error;
    }
  }
  return undefined;
}
