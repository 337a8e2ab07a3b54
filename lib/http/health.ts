import { Router } from 'express';

/** A named dependency check for /readyz; resolves when the dependency is usable, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void> | void;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(work: Promise<void> | void, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    Promise.resolve(work).then(
      () => (clearTimeout(timer), resolve()),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}

/**
 * `/healthz` answers while the process can serve HTTP at all (liveness); `/readyz` runs every
 * check and answers 503 naming the failing ones, so an orchestrator stops routing traffic here.
 */
export function healthRoutes(checks: ReadinessCheck[] = []): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, err instanceof Error ? err.message : 'failed'] as const;
        }
      }),
    );
    const ready = results.every(([, outcome]) => outcome === 'ok');
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
  });
  return router;
}
