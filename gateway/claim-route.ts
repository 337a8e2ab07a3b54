import type { ServerResponse } from 'node:http';
import { resolvePath } from '../lib/edge/request-path.js';
import { AppError } from '../lib/errors.js';
import type { CompiledRoute } from './compiled-route.js';
import type { RequestExchange } from './request-exchange.js';

/**
 * The first step the proxy port and the decision port share: the route the request's path claims
 * (request-path.ts: one normalisation, one set of bypass rules), recorded on the exchange for its
 * log line and metrics. Answers the request itself when it goes no further: 400 for a path the
 * gateway refuses, 404 when no route claims it, 400 for an upgrade the route does not take, and a
 * CORS preflight (no token needed, origin checked). Returns the route when the access decision is next.
 */
export function claimRoute(
  exchange: RequestExchange,
  findRoute: (lowerCasePath: string) => CompiledRoute | undefined,
  upgrade: boolean,
  refuse: (res: ServerResponse, err: unknown) => void,
): CompiledRoute | undefined {
  const { req, res } = exchange;
  const verdict = resolvePath(exchange.path, findRoute);
  if (verdict.kind === 'invalid') return void refuse(res, new AppError('PATH_INVALID', 400, verdict.reason));
  const route = verdict.route;
  if (route === undefined) return void refuse(res, new AppError('NOT_FOUND', 404, 'no route for this path'));
  exchange.route = route.definition.prefix;
  exchange.websocket = upgrade && route.definition.websocket;
  if (upgrade && !exchange.websocket) return void refuse(res, new AppError('UPGRADE_NOT_ALLOWED', 400, 'this route does not take WebSocket upgrades'));
  if (route.cors !== undefined && route.cors.handle(req, res)) return undefined;
  return route;
}
