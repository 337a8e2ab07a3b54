import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** The people the upstream knows: login name -> their claims (any password signs them in: dev interactions). */
export type UpstreamPeople = Record<string, { preferred_username?: string; email?: string; email_verified?: boolean; groups?: string[] }>;

export interface OidcUpstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Signs a logout token with the upstream's own key (what its back-channel logout sends). */
  signLogoutToken(claims: Record<string, unknown>, options?: { typ?: string; key?: 'own' | 'foreign'; audience?: string; events?: unknown }): Promise<string>;
  close(): Promise<void>;
}

export const UPSTREAM_CLIENT_SECRET = 'upstream-client-secret-for-authgate-0123456789';

/**
 * panva's oidc-provider on a loopback port, with its own login pages (dev interactions), one
 * confidential client for authgate (redirect URI and back-channel logout URI at `authBase`),
 * consent already given, `sid` in ID tokens, and back-channel logout on. A real upstream.
 */
export async function startOidcUpstream({ port, authBase, providerId, people }: { port: number; authBase: string; providerId: string; people: UpstreamPeople }): Promise<OidcUpstream> {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'upstream-key', alg: 'RS256', use: 'sig' } as JWK;
  const foreign = (await generateKeyPair('RS256')).privateKey;
  const clientId = 'authgate';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: UPSTREAM_CLIENT_SECRET,
        redirect_uris: [`${authBase}/auth/federation/${providerId}/callback`],
        post_logout_redirect_uris: [`${authBase}/`],
        token_endpoint_auth_method: 'client_secret_post',
        backchannel_logout_uri: `${authBase}/auth/federation/${providerId}/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
    ],
    jwks: { keys: [jwk as never] },
    features: { devInteractions: { enabled: true }, backchannelLogout: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: { openid: ['sub', 'sid'], profile: ['preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
    pkce: { required: () => true },
    // authgate is this upstream's own app here: no consent page.
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
    // Its SSRF guard refuses loopback addresses, where authgate listens in this test: plain fetch instead.
    fetch: (url: string | URL, { dispatcher: _guarded, ...init }: RequestInit & { dispatcher?: unknown }) => fetch(url, init),
    findAccount: (_ctx, sub) => {
      const person = people[sub];
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...person }) };
    },
  });
  provider.on('server_error', () => undefined);
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    issuer,
    clientId,
    clientSecret: UPSTREAM_CLIENT_SECRET,
    signLogoutToken: (claims, options = {}) =>
      new SignJWT({ events: options.events ?? { 'http://schemas.openid.net/event/backchannel-logout': {} }, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'upstream-key', typ: options.typ ?? 'logout+jwt' })
        .setIssuer(issuer)
        .setAudience(options.audience ?? clientId)
        .setIssuedAt()
        .setExpirationTime('2m')
        .setJti(crypto.randomUUID())
        .sign(options.key === 'foreign' ? foreign : privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
