import { AppError } from '../../../../lib/errors.js';

export interface BoundedWorkQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs allowed to wait beyond those; one more is refused at once. */
  maxWaiting: number;
}

/** 503 when the queue is full: the caller should come back in a moment, not pile on. */
export function hashingBusy(): AppError {
  return new AppError('PASSWORD_HASHING_BUSY', 503, 'too many logins at once; try again shortly', {
    error: 'temporarily_unavailable',
    headers: { 'Retry-After': '1' },
  });
}

/**
 * Runs at most `concurrency` jobs at once, queues up to `maxWaiting` more in arrival order, and
 * refuses the rest with `hashingBusy()`. A refusal is immediate, so a storm costs nothing beyond
 * the capacity it was given.
 */
export class BoundedWorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: BoundedWorkQueueOptions) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      if (this.waiting.length >= this.options.maxWaiting) throw hashingBusy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
