import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { freePort } from '../../support/free-port.js';
import { pollUntil } from '../contracts/poll.js';

/** One logout token as an app received it: the raw token, its header and its verified claims. */
export interface ReceivedLogout {
  /** The app (path segment) it was POSTed to. */
  app: string;
  token: string;
  contentType: string;
  header: Record<string, unknown>;
  claims: JWTPayload & { sid?: string; events?: Record<string, unknown> };
}

/**
 * The apps' back-channel logout endpoint: a real HTTP server on loopback that takes
 * `POST /logout/<app>` with a form `logout_token`, verifies it with jose against auth's JWKS as an
 * RP must (OIDC Back-Channel Logout 1.0 §2.6: signature, iss, aud = the app, iat, typ), and keeps
 * what it got. It can be taken down (the port refuses) and brought back on the same port, or made
 * to hang (never answer) per app.
 */
export class LogoutReceiver {
  readonly received: ReceivedLogout[] = [];
  /** Attempts that reached the server, per app, whatever was answered. */
  readonly attempts = new Map<string, number>();
  private readonly hanging = new Set<string>();
  private readonly failing = new Map<string, { status: number; times: number }>();
  private readonly held: ServerResponse[] = [];
  private server: Server | undefined;

  private jwks: ReturnType<typeof createRemoteJWKSet>;

  private constructor(
    readonly port: number,
    private readonly issuer: string,
    authUrl: string,
  ) {
    this.jwks = this.jwksOf(authUrl);
  }

  /** `authUrl`: where the JWKS is read; `issuer`: the `iss` every token must carry. */
  static async start(authUrl: string, issuer: string): Promise<LogoutReceiver> {
    const receiver = new LogoutReceiver(await freePort(), issuer, authUrl);
    await receiver.up();
    return receiver;
  }

  /** Auth restarted on another port: its JWKS is read there from now on. */
  readKeysFrom(authUrl: string): void {
    this.jwks = this.jwksOf(authUrl);
  }

  private jwksOf(authUrl: string) {
    return createRemoteJWKSet(new URL('/.well-known/jwks.json', authUrl));
  }

  uriFor(app: string): string {
    return `http://127.0.0.1:${this.port}/logout/${app}`;
  }

  /** The app's endpoint never answers (until `down`). */
  hang(app: string): void {
    this.hanging.add(app);
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** The app's next `times` requests are answered `status` (an app that is up but failing). */
  failNext(app: string, status: number, times: number): void {
    this.failing.set(app, { status, times });
  }

  /** Refuses connections from now on: the app is down. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const res of this.held.splice(0)) res.destroy();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  for(app: string): ReceivedLogout[] {
    return this.received.filter((r) => r.app === app);
  }

  /** Waits until `app` has received `count` verified logout tokens. */
  async waitFor(app: string, count = 1, timeoutMs = 10_000): Promise<ReceivedLogout[]> {
    await pollUntil(() => this.for(app).length >= count, { what: `${count} logout token(s) at ${app}`, timeoutMs });
    return this.for(app);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const app = (req.url ?? '').replace(/^\/logout\//, '');
    this.attempts.set(app, (this.attempts.get(app) ?? 0) + 1);
    if (this.hanging.has(app)) {
      this.held.push(res);
      return;
    }
    const failing = this.failing.get(app);
    if (failing && failing.times > 0) {
      failing.times -= 1;
      res.writeHead(failing.status).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token') ?? '';
    try {
      // §2.6 steps 1-3: a JWT signed by the OP's key, for this app, from this issuer, of the logout type.
      const { payload } = await jwtVerify(token, this.jwks, { issuer: this.issuer, audience: app, typ: 'logout+jwt', maxTokenAge: 300 });
      this.received.push({ app, token, contentType: req.headers['content-type'] ?? '', header: decodeProtectedHeader(token), claims: payload });
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
    } catch (err) {
      // §2.8: an invalid token is answered 400; the test sees it as never received.
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', error_description: (err as Error).message }));
    }
  }

  async close(): Promise<void> {
    await this.down();
  }
}
