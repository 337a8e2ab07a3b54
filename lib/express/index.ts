/**
 * The verifier's express adapters, as a service imports them (`authgate/express`): the
 * `requireAuth` middleware, the Passport strategy, the DPoP sender check on an express request,
 * and the error handler that renders their refusals (`{error, error_description}` with
 * WWW-Authenticate). Built on `authgate/verifier`; this is the entry that loads express.
 */
export { createRequireAuth, type RequireAuthOptions } from './require-auth.js';
export { createBearerStrategy, type BearerStrategyOptions } from './passport-strategy.js';
export { checkExpressSender, expressTrustOf } from './dpop-binding.js';
export { errorHandler } from '../http/error-handler.js';
export { authgateProxy, type AuthgateProxyOptions, type TargetProxyOptions, type RoutesProxyOptions } from './authgate-proxy.js';
