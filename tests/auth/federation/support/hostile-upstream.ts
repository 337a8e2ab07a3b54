import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** What the upstream does wrong on the next round trip. */
export type HostileMode = 'honest' | 'wrong-issuer' | 'wrong-nonce' | 'wrong-audience' | 'mix-up-iss-parameter' | 'error-response' | 'token-error' | 'slow-token' | 'unsigned';

/**
 * A small OpenID provider under the test's control (node:http and jose, a real HTTP server):
 * discovery, JWKS, an authorization endpoint that answers at once (no login page), and a token
 * endpoint whose ID token is wrong in the way `mode` says. What oidc-provider would never send.
 */
export async function startHostileUpstream({ clientId }: { clientId: string }) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'hostile', alg: 'RS256', use: 'sig' };
  let mode: HostileMode = 'honest';
  let slowMs = 0;
  const nonces = new Map<string, string>();
  /** Every ID token and code it handed out: none may appear in authgate's log. */
  const issued: string[] = [];
  let issuer = '';

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      if (mode === 'error-response') {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'the person said no');
      } else {
        const code = `code-${crypto.randomUUID()}`;
        issued.push(code);
        nonces.set(code, url.searchParams.get('nonce') ?? '');
        back.searchParams.set('code', code);
      }
      back.searchParams.set('iss', mode === 'mix-up-iss-parameter' ? 'https://honest-provider.example' : issuer);
      return res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        void (async () => {
          if (mode === 'slow-token') await new Promise((resolve) => setTimeout(resolve, slowMs));
          if (mode === 'token-error') return json(400, { error: 'invalid_grant' });
          const code = new URLSearchParams(body).get('code') ?? '';
          const nonce = mode === 'wrong-nonce' ? 'some-other-nonce' : (nonces.get(code) ?? '');
          const claims = { nonce, sub: 'mallory', preferred_username: 'mallory', email: 'victim@example.com' };
          const token =
            mode === 'unsigned'
              ? `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, iss: issuer, aud: clientId, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url')}.`
              : await new SignJWT(claims)
                  .setProtectedHeader({ alg: 'RS256', kid: 'hostile' })
                  .setIssuer(mode === 'wrong-issuer' ? 'https://honest-provider.example' : issuer)
                  .setAudience(mode === 'wrong-audience' ? 'another-client' : clientId)
                  .setIssuedAt()
                  .setExpirationTime('5m')
                  .sign(privateKey);
          const accessToken = `at-${crypto.randomUUID()}`;
          issued.push(token, accessToken);
          if (!res.destroyed) json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: token });
        })();
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get issuer() {
      return issuer;
    },
    issued,
    behave(next: HostileMode, delayMs = 0) {
      mode = next;
      slowMs = delayMs;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
