import express, { type Express } from 'express';
import type { Logger } from '../logger.js';
import { requestContext } from './request-context.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { errorHandler, notFound } from './error-handler.js';

export interface BaseAppOptions {
  logger: Logger;
  readiness?: ReadinessCheck[];
}

/**
 * The express app every process starts from: request ids and one log line per request, then
 * the operational routes. Callers mount their routes, then call `finishApp` to add 404 and errors.
 */
export function createBaseApp({ logger, readiness = [] }: BaseAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(requestContext(logger));
  app.use(healthRoutes(readiness));
  return app;
}

export function finishApp(app: Express): Express {
  app.use(notFound());
  app.use(errorHandler());
  return app;
}
