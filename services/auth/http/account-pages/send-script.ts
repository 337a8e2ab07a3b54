import type { Response } from 'express';

/**
 * A hosted page's own script, from auth itself: same origin as the pages, so their CSP
 * (`script-src 'self'`) holds. Shared by the passkey and two-step pages.
 */
export function sendScript(res: Response, source: string): void {
  res
    .set({
      'Content-Type': 'text/javascript; charset=utf-8',
      // Short: a deploy with a new version of a script reaches browsers within minutes.
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Resource-Policy': 'same-origin',
    })
    .send(source);
}
