/**
 * Work a request starts and does not wait for (the lookup and mail of a reset request), so the
 * answer takes the same time whatever the work finds. Failures go to `onError` (a log line with
 * the error's code, never a token); `idle()` lets tests and shutdown wait for what is running.
 */
export function createBackgroundWork(onError: (err: unknown) => void) {
  const running = new Set<Promise<void>>();
  return {
    run(task: () => Promise<void>): void {
      const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch(onError)
        .finally(() => running.delete(done));
      running.add(done);
    },
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

export type BackgroundWork = ReturnType<typeof createBackgroundWork>;
