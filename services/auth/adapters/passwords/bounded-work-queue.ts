import { AppError } from '../../../../lib/errors.js';

export interface BoundedWorkQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs allowed to wait beyond those; one more is refused at once. */
  maxWaiting: number;
  /**
   * Jobs one key (an account, a client address) may hold at once, running and waiting together;
   * one more of that key's is refused at once. Default: an eighth of the queue, at least 1.
   */
  maxPerKey?: number;
}

/** 503 when the queue is full: the caller should come back in a moment, not pile on. */
export function hashingBusy(): AppError {
  return new AppError('PASSWORD_HASHING_BUSY', 503, 'too many logins at once; try again shortly', {
    error: 'temporarily_unavailable',
    headers: { 'Retry-After': '1' },
  });
}

/**
 * 429 when the caller's own key already holds its share: this caller is sending too much (RFC
 * 6585), the service is not down, so it is not a 5xx (nor a high-5xx alert an attacker can ring).
 */
export function hashingShareUsed(): AppError {
  return new AppError('PASSWORD_HASHING_SHARE_USED', 429, 'too many password checks at once for this account or address; try again shortly', {
    error: 'too_many_requests',
    headers: { 'Retry-After': '1' },
  });
}

/** An eighth of the places: 4 of 33 with the defaults on a 2-core machine. */
export function defaultMaxPerKey({ concurrency, maxWaiting }: BoundedWorkQueueOptions): number {
  return Math.max(1, Math.floor((concurrency + maxWaiting) / 8));
}

/**
 * Runs at most `concurrency` jobs at once, queues up to `maxWaiting` more in arrival order, and
 * refuses the rest with `hashingBusy()`. A job may name the keys it runs for; a key that already
 * holds `maxPerKey` jobs is refused with `hashingShareUsed()`, so one account or one address can
 * fill only its share of the queue and everyone else still gets in. Refusals are immediate, so a
 * storm costs nothing beyond the capacity it was given.
 */
export class BoundedWorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Jobs held (running or waiting) per key; a key leaves the map with its last job. */
  private readonly held = new Map<string, number>();
  private readonly maxPerKey: number;

  constructor(private readonly options: BoundedWorkQueueOptions) {
    this.maxPerKey = options.maxPerKey ?? defaultMaxPerKey(options);
  }

  async run<T>(job: () => Promise<T>, keys: readonly string[] = []): Promise<T> {
    const own = [...new Set(keys)];
    // The caller's own share first: a flooder hears 429 even while the queue is full.
    if (own.some((key) => (this.held.get(key) ?? 0) >= this.maxPerKey)) throw hashingShareUsed();
    if (this.running >= this.options.concurrency && this.waiting.length >= this.options.maxWaiting) throw hashingBusy();
    for (const key of own) this.held.set(key, (this.held.get(key) ?? 0) + 1);
    try {
      if (this.running >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.running++;
      try {
        return await job();
      } finally {
        // Hand the slot straight to the next waiter (running stays the same), or free it.
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    } finally {
      for (const key of own) {
        const count = (this.held.get(key) ?? 1) - 1;
        if (count > 0) this.held.set(key, count);
        else this.held.delete(key);
      }
    }
  }
}
