import type { ProxyTrust } from '../lib/http/client-address.js';
import type { DecisionOutcome } from './access-decision.js';

/**
 * The decision's `allow`, behind the route's rate limit: a request that reached it was verified
 * and authorised (or needs neither), so only then is a budget spent; a spent one is refused 429.
 * Routes without `rate_limit` go straight through (no work on the benchmarked path).
 */
export function rateLimited({ allow, refuse }: DecisionOutcome, trust: ProxyTrust): DecisionOutcome['allow'] {
  return (exchange, route, identity) => {
    const limit = route.rateLimit;
    if (limit === undefined) return allow(exchange, route, identity);
    const refusal = limit.spend(exchange.req, exchange.res, identity, trust);
    if (refusal !== undefined) return refuse(exchange, refusal);
    allow(exchange, route, identity);
  };
}
