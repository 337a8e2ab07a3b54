import { ClientCredentialsError, clientSecretBasic } from '../../../lib/client-credentials.js';
import type { TokenExchanger } from '../domain/notes-reader.js';

export interface TokenExchangerOptions {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** What reports asks for on the user's behalf: only reading notes. */
  scope: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * RFC 8693 token exchange at the auth service: the user's access token in, a token for notes out,
 * with reports as the actor (`act.sub`). Not cached: the user's token is the cache key and most
 * reports are one call; client authentication costs an HMAC, not an argon2id.
 */
export function createTokenExchanger({ tokenEndpoint, clientId, clientSecret, scope, timeoutMs = 5_000, fetch: doFetch = fetch }: TokenExchangerOptions): TokenExchanger {
  const authorization = clientSecretBasic(clientId, clientSecret);
  return async function exchange(subjectToken: string): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      scope,
    });
    let response: Response;
    try {
      response = await doFetch(tokenEndpoint, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ClientCredentialsError(`token endpoint ${tokenEndpoint} unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok || typeof body?.access_token !== 'string') {
      const error = typeof body?.error === 'string' ? body.error : undefined;
      throw new ClientCredentialsError(`token exchange answered ${response.status}${error ? ` ${error}` : ''}`, response.status, error);
    }
    return body.access_token;
  };
}
