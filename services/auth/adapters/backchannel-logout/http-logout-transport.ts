import type { LogoutDelivery } from '../../domain/backchannel-logout/logout-delivery.js';
import type { LogoutTokenMinter } from '../../domain/backchannel-logout/logout-token.js';
import { MailSendError, type DeliveryTransport } from '../../domain/mail/mail-transport.js';

export interface HttpLogoutTransportOptions {
  mintLogoutToken: LogoutTokenMinter;
  /** Milliseconds an app gets to answer; one that hangs is cut off and tried again later. */
  timeoutMs: number;
}

/**
 * POSTs a freshly signed logout token to the app (OIDC Back-Channel Logout 1.0 §2.5):
 * `application/x-www-form-urlencoded` `logout_token=...`, no redirect followed (the URI is the
 * registered one, nowhere else), and only a 2xx counts as delivered (§2.8: 200, or 400 when the
 * app refused it; a refusal is retried like an outage, then kept as a dead letter). Errors name
 * the status or the network error, never the token.
 */
export function createHttpLogoutTransport({ mintLogoutToken, timeoutMs }: HttpLogoutTransportOptions): DeliveryTransport<LogoutDelivery> {
  return {
    kind: 'http',
    async send(delivery, id) {
      let response: Response;
      try {
        response = await fetch(delivery.to, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Cache-Control': 'no-store' },
          body: new URLSearchParams({ logout_token: mintLogoutToken(delivery, id) }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw networkError(err, timeoutMs);
      }
      // The body is not needed; reading it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status > 299) throw new MailSendError('EHTTP', `the app answered ${response.status}`, response.status);
    },
  };
}

function networkError(err: unknown, timeoutMs: number): MailSendError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return new MailSendError('ETIMEDOUT', `no answer within ${timeoutMs} ms`);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : 'EFETCH';
  return new MailSendError(code, typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err));
}
