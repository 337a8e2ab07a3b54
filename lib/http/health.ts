import { Router } from 'express';

/**
 * A named dependency check for /readyz; resolves when the dependency is usable, rejects otherwise.
 * It may resolve with a report: `degraded` marks a problem that is shown but does not fail
 * readiness (pulling every replica for it would turn a blip into an outage), and `detail` is
 * added to the body under `details[name]`.
 */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<ReadinessReport | void> | ReadinessReport | void;
}

export interface ReadinessReport {
  degraded?: boolean;
  detail?: Record<string, unknown>;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T> | T, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    Promise.resolve(work).then(
      (value) => (clearTimeout(timer), resolve(value)),
      (err: unknown) => (clearTimeout(timer), reject(err)),
    );
  });
}

/**
 * `/healthz` answers while the process can serve HTTP at all (liveness); `/readyz` runs every
 * check and answers 503 naming the failing ones, so an orchestrator stops routing traffic here.
 * Body: `{status, checks: {name: 'ok' | 'degraded' | reason}, details?: {name: {...}}}`.
 */
export function healthRoutes(checks: ReadinessCheck[] = []): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const details: Record<string, unknown> = {};
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          const report = await withTimeout(check(), CHECK_TIMEOUT_MS);
          if (report?.detail) details[name] = report.detail;
          return [name, report?.degraded ? 'degraded' : 'ok'] as const;
        } catch (err) {
          return [name, err instanceof Error ? err.message : 'failed'] as const;
        }
      }),
    );
    const ready = results.every(([, outcome]) => outcome === 'ok' || outcome === 'degraded');
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results), ...(Object.keys(details).length > 0 ? { details } : {}) });
  });
  return router;
}
