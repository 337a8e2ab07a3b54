import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

/** The OpenID Connect demo app (gateway/demo-page/spa/), a public client of its own. */
export const DEMO_SPA_CLIENT_ID = 'demo-spa';
export const DEMO_SPA_PATH = '/spa/';

/**
 * The demo app's registration (RFC 7591 metadata, as AUTH_CLIENTS_FILE takes it): public, code +
 * PKCE with rotating refresh tokens, first party (no consent page), its page as redirect and
 * post-logout URI on each origin the gateway is opened at.
 */
export function demoSpaClient(gatewayOrigins: readonly string[]): Record<string, unknown> {
  const pages = [...new Set(gatewayOrigins)].map((origin) => `${origin}${DEMO_SPA_PATH}`);
  return {
    client_id: DEMO_SPA_CLIENT_ID,
    client_name: 'authgate notes (OIDC demo app)',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile notes:read notes:write',
    redirect_uris: pages,
    post_logout_redirect_uris: pages,
    first_party: true,
  };
}

/**
 * A clients file holding `baseFile`'s clients plus the demo app (unless the base already declares
 * it), written as JSON into a temporary directory removed when this process exits. The base's
 * `${NAME}` secret references are kept as they are, for the auth service to resolve.
 */
export function clientsFileWithDemoSpa(baseFile: string, gatewayOrigins: readonly string[]): string {
  const base = (parse(readFileSync(baseFile, 'utf8')) ?? {}) as { clients?: Array<{ client_id?: unknown }> };
  const clients = base.clients ?? [];
  const merged = clients.some((c) => c.client_id === DEMO_SPA_CLIENT_ID) ? clients : [...clients, demoSpaClient(gatewayOrigins)];
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-clients-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'clients.json');
  writeFileSync(file, `${JSON.stringify({ ...base, clients: merged }, null, 2)}\n`, { mode: 0o600 });
  return file;
}
