/**
 * Runs `check` every `intervalMs` on an unref'd timer (a poll must never keep a process alive),
 * skipping a tick while the previous check still runs. Polling rather than fs.watch: Kubernetes
 * updates a mounted Secret by swapping a symlink, which inotify on the file path does not report,
 * and watches are unreliable on network and overlay file systems. Returns a stop function.
 */
export function pollEvery(intervalMs: number, check: () => Promise<unknown>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    // `check` reports its own failures; a rejection here must not become an unhandled one.
    check()
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
