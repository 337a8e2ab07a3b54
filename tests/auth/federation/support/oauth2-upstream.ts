import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A person at the plain OAuth 2.0 provider, as its userinfo (GitHub's /user) describes them. */
export interface OAuth2Person {
  id: number;
  login: string;
  email: string | null;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  person: OAuth2Person;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });

/**
 * A plain OAuth 2.0 provider of GitHub's kind (node:http, a real server): an authorization
 * endpoint that redirects back at once with a code for `signedIn` (or an error when `deny`),
 * a token endpoint that checks the client secret, the redirect URI and the PKCE verifier (S256)
 * and answers as GitHub does (`token_type: bearer`, no ID token, no expiry), and a userinfo
 * endpoint that wants that access token. No discovery, no JWKS: nothing OpenID about it.
 */
export async function startOAuth2Upstream({ clientId, clientSecret }: { clientId: string; clientSecret: string }) {
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, OAuth2Person>();
  /** Every code and access token it handed out: none may appear in authgate's log or audit trail. */
  const issued: string[] = [];
  /** Why the token endpoint refused, newest last (the test reads why a round trip failed). */
  const refusals: string[] = [];
  let signedIn: OAuth2Person = { id: 583231, login: 'octocat', email: 'octocat@example.com' };
  let deny = false;
  let base = '';

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/login/oauth/authorize' && req.method === 'GET') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== clientId || !redirectUri) return json(400, { error: 'invalid_request' });
      const back = new URL(redirectUri);
      if (q.get('state') !== null) back.searchParams.set('state', q.get('state')!);
      if (deny) {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'The user has denied your application access.');
      } else if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        back.searchParams.set('error', 'invalid_request');
      } else {
        const code = randomUUID().replaceAll('-', '');
        issued.push(code);
        codes.set(code, { clientId, redirectUri, codeChallenge: q.get('code_challenge')!, person: signedIn });
        back.searchParams.set('code', code);
      }
      return res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      void readBody(req).then((text) => {
        const form = new URLSearchParams(text);
        const refuse = (why: string) => {
          refusals.push(why);
          json(400, { error: 'bad_verification_code', error_description: why });
        };
        const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':') : [];
        const givenId = form.get('client_id') ?? decodeURIComponent(basic[0] ?? '');
        const givenSecret = form.get('client_secret') ?? decodeURIComponent(basic[1] ?? '');
        if (givenId !== clientId || givenSecret !== clientSecret) return refuse('client secret');
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!pending || form.get('grant_type') !== 'authorization_code') return refuse('code');
        if (form.get('redirect_uri') !== pending.redirectUri) return refuse('redirect_uri');
        const challenge = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (challenge !== pending.codeChallenge) return refuse('code_verifier');
        const accessToken = `gho_${randomUUID().replaceAll('-', '')}`;
        issued.push(accessToken);
        accessTokens.set(accessToken, pending.person);
        json(200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' });
      });
      return;
    }
    if (url.pathname === '/user' && req.method === 'GET') {
      const person = accessTokens.get(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (!person) return json(401, { message: 'Bad credentials' });
      return json(200, { login: person.login, id: person.id, type: 'User', name: null, email: person.email });
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    issued,
    refusals,
    /** Who signs in at the next authorization request, and whether they refuse. */
    next(person: OAuth2Person, { refuse = false } = {}) {
      signedIn = person;
      deny = refuse;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type OAuth2Upstream = Awaited<ReturnType<typeof startOAuth2Upstream>>;
