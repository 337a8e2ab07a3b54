import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpTestServerOptions {
  /** A port known in advance (a server started late, after the mail was queued); 0 otherwise. */
  port?: number;
  /** Milliseconds the server takes to accept each message after its data arrived. */
  delayMs?: number;
  /**
   * Called with the 1-based number of each DATA command; a code (e.g. 451, 550) refuses that
   * message with it, undefined accepts it.
   */
  refuse?: (attempt: number) => number | undefined;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1, as the mail catcher a deployment
 * would have; every accepted message is parsed with `mailparser`. Plain SMTP without AUTH or TLS,
 * as Mailpit in docker-compose.yml.
 */
export class SmtpTestServer {
  readonly received: ParsedMail[] = [];
  /** DATA commands seen, accepted or refused. */
  attempts = 0;
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  static async start(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
    let self: SmtpTestServer | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const attempt = (self!.attempts += 1);
        simpleParser(stream).then(
          (parsed) => {
            const code = options.refuse?.(attempt);
            const finish = () => {
              if (code) return callback(Object.assign(new Error(code >= 500 ? 'mailbox unavailable (test)' : 'try again later (test)'), { responseCode: code }));
              self!.received.push(parsed);
              callback();
            };
            if (options.delayMs) setTimeout(finish, options.delayMs);
            else finish();
          },
          (err: Error) => callback(err),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    self = new SmtpTestServer(server, (server.server.address() as AddressInfo).port);
    return self;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
