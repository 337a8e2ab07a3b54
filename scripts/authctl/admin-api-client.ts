/** A refusal or failure of the admin API, with what the operator needs to act on it. */
export class AdminApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined when the auth service could not be reached. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

/** The admin API over HTTP (Bearer AUTH_ADMIN_TOKEN). Answers are the service's JSON as is. */
export function createAdminApiClient({ baseUrl, adminToken, fetch: doFetch = fetch }: { baseUrl: string; adminToken: string; fetch?: typeof fetch }) {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new AdminApiError(`cannot reach the auth service at ${baseUrl} (${err instanceof Error ? err.message : String(err)}); is it running, and is AUTH_URL right?`);
    }
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) return json;
    throw new AdminApiError(explain(response.status, json), response.status);
  }

  return {
    /** RFC 7591 client metadata (the admin API also takes the earlier `scopes` array). */
    createClient: (body: Record<string, unknown>) => call('POST', '/admin/clients', body),
    listClients: () => call('GET', '/admin/clients'),
    deleteClient: (clientId: string) => call('DELETE', `/admin/clients/${encodeURIComponent(clientId)}`),
    disableClient: (clientId: string) => call('POST', `/admin/clients/${encodeURIComponent(clientId)}/disable`),
    rotateKeys: () => call('POST', '/admin/keys/rotate'),
    /** Public discovery document (scopes_supported); the bearer is the same service's admin token. */
    discovery: () => call('GET', '/.well-known/openid-configuration'),
    /** One page of users; absent options are left out of the query. */
    listUsers: (options: { query?: string | undefined; limit?: string | undefined; cursor?: string | undefined }) => {
      const params = new URLSearchParams(Object.entries(options).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return call('GET', `/admin/users${params.size > 0 ? `?${params.toString()}` : ''}`);
    },
    createUser: (body: Record<string, unknown>) => call('POST', '/admin/users', body),
    deleteUser: (userId: string) => call('DELETE', `/admin/users/${encodeURIComponent(userId)}`),
    listSessions: (userId: string) => call('GET', `/admin/users/${encodeURIComponent(userId)}/sessions`),
    endSessions: (userId: string) => call('DELETE', `/admin/users/${encodeURIComponent(userId)}/sessions`),
    endSession: (userId: string, sid: string) => call('DELETE', `/admin/users/${encodeURIComponent(userId)}/sessions/${encodeURIComponent(sid)}`),
    sendPasswordReset: (userId: string) => call('POST', `/admin/users/${encodeURIComponent(userId)}/password-reset`),
    findUser: (username: string) => call('GET', `/admin/users?${new URLSearchParams({ username }).toString()}`),
    lockUser: (userId: string) => call('POST', `/admin/users/${encodeURIComponent(userId)}/lock`),
    unlockUser: (userId: string) => call('POST', `/admin/users/${encodeURIComponent(userId)}/unlock`),
    /** Every second factor of the user goes, and every session ends. */
    removeFactors: (userId: string) => call('DELETE', `/admin/users/${encodeURIComponent(userId)}/factors`),
    /** The whole new list of roles (PATCH replaces it). */
    setRoles: (userId: string, roles: string[]) => call('PATCH', `/admin/users/${encodeURIComponent(userId)}`, { roles }),
  };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function explain(status: number, body: Record<string, unknown> | null): string {
  const detail = typeof body?.error_description === 'string' ? body.error_description : typeof body?.error === 'string' ? body.error : '';
  if (status === 401) return 'the admin token was refused (401): check AUTH_ADMIN_TOKEN';
  if (status === 404 && body?.error === 'not_found' && /no route/.test(detail)) {
    return 'the admin API is off (404): start the auth service with AUTH_ADMIN_TOKEN set';
  }
  return `the auth service answered ${status}${detail ? `: ${detail}` : ''}`;
}

export type AdminApiClient = ReturnType<typeof createAdminApiClient>;
