import type { IncomingMessage } from 'node:http';
import type { AppError } from '../errors.js';
import { clientAddress, type ProxyTrust } from '../http/client-address.js';
import type { RateBudgets } from './rate-budgets.js';
import { RateLimitPolicy, type RateLimitSettings } from './rate-limit-policy.js';
import type { VerifiedToken } from '../verifier/index.js';

/** A route's `rate_limit`, ready to spend: one budget per verified client, subject or address. */
export interface RouteRateLimit {
  readonly policy: RateLimitPolicy;
  /**
   * Spends one request of the caller's budget. Allowed: the `RateLimit` field value for the answer
   * (whose `RateLimit-Policy` is `policy.policy`); the caller puts both on whatever answer the
   * request gets (the upstream's, the decision's 200). Spent: the 429 to answer with.
   */
  spend(req: IncomingMessage, identity: VerifiedToken | undefined, trust: ProxyTrust): string | AppError;
}

/**
 * Called with the verified identity only (gateway/access-decision.ts, lib/express's routes mode), so a forged or expired token never
 * spends anyone's budget; `client` and `subject` routes are `auth: required` (route-config.ts).
 */
export function createRouteRateLimit(routeIndex: number, prefix: string, settings: RateLimitSettings, budgets: RateBudgets, onRefused?: () => void): RouteRateLimit {
  const policy = new RateLimitPolicy(prefix, settings);
  // The route's index keeps budgets of two routes apart; the kind keeps a subject from meeting an address.
  const route = budgets.forRoute(`${routeIndex}:${settings.key}:`, settings.requests, settings.perSeconds * 1000);
  const callerOf = (req: IncomingMessage, identity: VerifiedToken | undefined, trust: ProxyTrust): string => {
    if (settings.key === 'client') return identity?.clientId ?? '';
    if (settings.key === 'subject') return identity?.sub ?? '';
    return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trust) ?? 'unknown';
  };
  return {
    policy,
    spend(req, identity, trust) {
      const now = budgets.now();
      const remaining = route.take(callerOf(req, identity, trust), now);
      const reset = route.resetSeconds(now);
      if (remaining < 0) {
        onRefused?.();
        return policy.refusal(reset);
      }
      return policy.current(remaining, reset);
    },
  };
}
