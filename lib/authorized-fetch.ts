import type { ClientCredentialsSource } from './client-credentials.js';

/**
 * `fetch` with the source's bearer token. On a 401 the token is invalidated and the request is
 * sent once more with a fresh one (the first may have been revoked, or signed by a key the callee
 * no longer trusts); a second 401 is returned as is. Only for requests that may be repeated:
 * the body must be replayable (a string, a buffer or absent).
 */
export async function fetchWithClientToken(tokens: ClientCredentialsSource, url: string | URL, init: RequestInit = {}, doFetch: typeof fetch = fetch): Promise<Response> {
  const send = async (token: string) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return doFetch(url, { ...init, headers });
  };
  const first = await tokens.getToken();
  const response = await send(first);
  if (response.status !== 401) return response;
  await response.body?.cancel();
  tokens.invalidate(first);
  return send(await tokens.getToken());
}
