import type { ProxyTrust } from '../lib/http/client-address.js';
import type { VerifiedToken } from '../lib/verifier/index.js';
import type { CompiledRoute } from './compiled-route.js';
import type { RequestExchange } from './request-exchange.js';

type Allow = (exchange: RequestExchange, route: CompiledRoute, identity: VerifiedToken | undefined) => void;
type Refuse = (exchange: RequestExchange, err: unknown) => void;

/**
 * The decision's `allow`, behind the route's rate limit: a request that reached it was verified
 * and authorised (or needs neither), so only then is a budget spent; a spent one is refused 429.
 * Routes without `rate_limit` go straight through (no work on the benchmarked path).
 */
export function rateLimited({ allow, refuse }: { allow: Allow; refuse: Refuse }, trust: ProxyTrust): Allow {
  return (exchange, route, identity) => {
    const limit = route.rateLimit;
    if (limit === undefined) return allow(exchange, route, identity);
    const spent = limit.spend(exchange.req, identity, trust);
    if (typeof spent !== 'string') return refuse(exchange, spent);
    // Written with the answer (answer-fields.ts), not set on the response now: see there why.
    exchange.rateLimitPolicy = limit.policy.policy;
    exchange.rateLimit = spent;
    allow(exchange, route, identity);
  };
}
