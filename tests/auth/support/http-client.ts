/** A response read once: status, headers and the parsed JSON body (or null for an empty one). */
export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = Record<string, any>>(
  baseUrl: string,
  method: string,
  path: string,
  { json, raw, token, headers = {} }: { json?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const body = raw ?? (json === undefined ? undefined : JSON.stringify(json));
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

export const post = <T = Record<string, any>>(baseUrl: string, path: string, json?: unknown, token?: string) =>
  request<T>(baseUrl, 'POST', path, { json, ...(token ? { token } : {}) });

export const get = <T = Record<string, any>>(baseUrl: string, path: string, token?: string) =>
  request<T>(baseUrl, 'GET', path, token ? { token } : {});

/** Passwords tests use; long enough for the policy. */
export const PASSWORD = 'correct horse battery staple';

export interface TokenPairBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** Registers `username` and logs in; returns the login's tokens. */
export async function registerAndLogin(baseUrl: string, username: string, password = PASSWORD): Promise<TokenPairBody & { id: string }> {
  const registered = await post(baseUrl, '/auth/register', { username, password });
  if (registered.status !== 201) throw new Error(`register ${username}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await post<TokenPairBody>(baseUrl, '/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
  return { ...login.body, id: String(registered.body.id) };
}
