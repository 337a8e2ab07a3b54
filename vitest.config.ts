import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    reporters: ['default', './tests/support/summary-reporter.ts'],
    // Component tests start real servers and hash real argon2id passwords on a 2-core box.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files share one Redis server; each suite uses its own key prefix, so files may run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
