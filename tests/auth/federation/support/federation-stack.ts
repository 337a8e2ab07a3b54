import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryClientStore } from '../../../../services/auth/adapters/memory/memory-client-store.js';
import { withFreePorts } from '../../../support/free-port.js';
import { startTestAuth, type TestAuth, type TestAuthOptions } from '../../support/auth-harness.js';
import { startOidcUpstream, type OidcUpstream, type UpstreamPeople } from './oidc-upstream.js';

export const PROVIDER_ID = 'corp';
export const ADMIN_TOKEN = 'federation-admin-token-0123456789abcdef0123';

export interface FederationStack {
  auth: TestAuth;
  issuer: string;
  upstream: OidcUpstream;
  clients: MemoryClientStore;
  stop(): Promise<void>;
}

/**
 * authgate with AUTH_IDENTITY_PROVIDERS_FILE naming one real upstream (oidc-provider), each on a
 * loopback port known before either starts (each names the other: issuer, redirect URI).
 */
export async function startFederationStack({ people, env = {}, options = {} }: { people: UpstreamPeople; env?: Record<string, string>; options?: TestAuthOptions }): Promise<FederationStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'federation-'));
  const clients = new MemoryClientStore();
  return withFreePorts(2, async ([upstreamPort, authPort]) => {
    const issuer = `http://127.0.0.1:${authPort!}`;
    const upstream = await startOidcUpstream({ port: upstreamPort!, authBase: issuer, providerId: PROVIDER_ID, people });
    try {
      const file = path.join(dir, 'providers.yaml');
      await writeFile(
        file,
        [
          'providers:',
          `  - id: ${PROVIDER_ID}`,
          '    name: Corp SSO',
          `    issuer: ${upstream.issuer}`,
          `    client_id: ${upstream.clientId}`,
          '    client_secret: ${CORP_CLIENT_SECRET}',
          '    scopes: [openid, profile, email, groups]',
          '    claims: { roles: { claim: groups, values: [admin, editor] } }',
          '',
        ].join('\n'),
      );
      const auth = await startTestAuth({
        clients,
        ...options,
        env: {
          AUTH_PORT: String(authPort),
          AUTH_ISSUER: issuer,
          AUTH_IDENTITY_PROVIDERS_FILE: file,
          CORP_CLIENT_SECRET: upstream.clientSecret,
          COOKIE_SECURE: 'false',
          // The account pages are served on the issuer's origin: their writes come from there.
          ALLOWED_ORIGINS: issuer,
          AUTH_ADMIN_TOKEN: ADMIN_TOKEN,
          AUTH_IDENTITY_PROVIDER_TIMEOUT_SECONDS: '3',
          ...env,
        },
      });
      return {
        auth,
        issuer,
        upstream,
        clients,
        stop: async () => {
          await auth.stop();
          await upstream.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      await upstream.close();
      throw err;
    }
  });
}
