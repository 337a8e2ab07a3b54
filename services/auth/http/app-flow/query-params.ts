import type { RawParams } from '../../domain/app-flow/authorization-request.js';

/**
 * A query string as RawParams (GET /oauth/authorize, GET /oauth/logout), in one linear pass: URLSearchParams decodes it
 * natively and each value is pushed onto its name's list. (Copying the list on every repeat made
 * a query of one repeated key quadratic: docs/performance.md.) How many parameters are too many is decided by
 * parseAuthorizationRequest, which knows whether the refusal may go back to the app.
 */
export function queryParams(url: string): RawParams {
  const at = url.indexOf('?');
  const params = new Map<string, string[]>();
  if (at === -1) return params;
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    const values = params.get(name);
    if (values) values.push(value);
    else params.set(name, [value]);
  }
  return params;
}
