import { readFileSync } from 'node:fs';
import { Router } from 'express';

/** The page's files, next to this module (gateway/demo-page/, or dist/gateway/demo-page/ in the image). */
const DEMO_DIR = new URL('./demo-page/', import.meta.url);

const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { path: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
  // The OpenID Connect demo app (authorization code + PKCE as public client `demo-spa`).
  { path: '/spa/', file: 'spa/index.html', type: 'text/html; charset=utf-8' },
  { path: '/spa/app.js', file: 'spa/app.js', type: 'text/javascript; charset=utf-8' },
] as const;

/** The paths the page answers; the gateway hands exactly these to its ops app, never to the proxy. */
export const DEMO_PAGE_PATHS: readonly string[] = FILES.map(({ path }) => path);

/**
 * Same-origin scripts and calls only, and no framing: an injected script could not run, and no
 * other site can overlay the page to trick a click (clickjacking).
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  // Revalidated on every load, so a new version of the page is picked up at once.
  'Cache-Control': 'no-cache',
};

/**
 * The browser-session demo page (login form, the user's notes, add-note form, logout): three
 * static files read once at start and served from memory by the gateway's ops app, so the proxy
 * path is untouched. A missing file stops the start, naming it.
 */
export function demoPageRoutes(): Router {
  const router = Router();
  for (const { path, file, type } of FILES) {
    const content = readFileSync(new URL(file, DEMO_DIR));
    router.get(path, (_req, res) => {
      res.set({ ...SECURITY_HEADERS, 'Content-Type': type }).send(content);
    });
  }
  return router;
}
