import { oauthErrors } from '../oauth/oauth-errors.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * RFC 6749 §3.3 for a client: no `scope` asks for everything the client may have; otherwise every
 * requested token must be allowed (else 400 invalid_scope; nothing is silently dropped, so a client
 * never gets less than it believes). Duplicates collapse; the order follows the request.
 */
export function grantedScope(requested: string | undefined, allowed: readonly string[]): string {
  if (requested === undefined || requested.trim() === '') return allowed.join(' ');
  const tokens = requested.split(' ').filter((token) => token !== '');
  if (!tokens.every((token) => SCOPE_TOKEN.test(token))) throw oauthErrors.invalidRequest('scope must be space-separated scope tokens', 'OAUTH_SCOPE_MALFORMED');
  if (!tokens.every((token) => allowed.includes(token))) throw oauthErrors.invalidScope();
  return [...new Set(tokens)].join(' ');
}
