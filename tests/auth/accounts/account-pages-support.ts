import { expect } from 'vitest';

/** A hosted page as a browser gets it: status, headers, the HTML, its form's CSRF value and the cookie it set. */
export interface HostedPage {
  status: number;
  headers: Headers;
  html: string;
  csrf: string | undefined;
  /** `name=value` of the account CSRF cookie set by this answer, for the next post. */
  cookie: string | undefined;
}

async function read(response: Response): Promise<HostedPage> {
  const html = await response.text();
  const set = response.headers.getSetCookie().find((c) => c.startsWith('auth_account_csrf='));
  return {
    status: response.status,
    headers: response.headers,
    html,
    csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1],
    cookie: set?.split(';')[0],
  };
}

export async function openPage(baseUrl: string, path: string): Promise<HostedPage> {
  return read(await fetch(`${baseUrl}${path}`));
}

/** Posts a page's form (urlencoded) with the cookie a browser would send along. */
export async function submit(baseUrl: string, path: string, fields: Record<string, string>, cookie?: string): Promise<HostedPage> {
  return read(
    await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    }),
  );
}

/** The hosted-page rules: strict CSP without script, no caching, no referrer, no framing. */
export function expectHostedPageHeaders(page: HostedPage): void {
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toMatch(/^default-src 'none';/);
  expect(csp).not.toMatch(/script-src|unsafe-inline|https?:/);
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  // No third-party resource and no script at all.
  expect(page.html).not.toMatch(/<script|src="https?:|href="https?:/i);
}
