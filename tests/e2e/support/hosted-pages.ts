import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from '../../auth/support/auth-harness.js';
import { launchChromium } from './chromium.js';

/**
 * What the browser suites of the hosted pages share: the "app" a user signs in to, its public
 * client, its authorization request, and the checks every page gets (CSP reports, axe).
 */

export interface TestApp {
  /** `http://localhost:<port>`: another site than an issuer on 127.0.0.1, and a secure context. */
  origin: string;
  /** `<origin>/cb`, where the app's page shows the query that arrived (`#arrived`). */
  redirectUri: string;
  close(): Promise<void>;
}

/** The app: a loopback page; `answer` may take a request first (a forged form, say) by answering it and returning true. */
export async function startTestApp(answer?: (url: URL, res: ServerResponse) => boolean): Promise<TestApp> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (answer?.(url, res)) return;
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<p id="arrived">${url.search.replace(/[<>&"]/g, '')}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return { origin, redirectUri: `${origin}/cb`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface PublicApp {
  clientId: string;
  redirectUri: string;
  /** The PKCE verifier every authorization request of this app uses (its S256 challenge is sent). */
  verifier: string;
  /** The app's code + PKCE authorization request on `issuer`, `openid profile`, with `params` added or replaced. */
  authorizeUrl(issuer: string, params?: Record<string, string>): string;
  /** Redeems a code that arrived at the redirect URI at `issuer`'s token endpoint (the raw response). */
  redeem(issuer: string, code: string): Promise<Response>;
}

/** Registers `clientId` as a public code + PKCE app at `app`'s redirect URI. */
export async function registerPublicApp(clients: MemoryClientStore, app: TestApp, clientId: string, options: { clientName?: string; firstParty?: boolean } = {}): Promise<PublicApp> {
  await clients.create({
    clientId,
    clientName: options.clientName ?? 'Photo Printer',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    audiences: [],
    redirectUris: [app.redirectUri],
    ...(options.firstParty ? { firstParty: true } : {}),
  });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return {
    clientId,
    redirectUri: app.redirectUri,
    verifier,
    authorizeUrl: (issuer, params = {}) =>
      `${issuer}/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: app.redirectUri, response_type: 'code', scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256', state: 'state', ...params })}`,
    redeem: (issuer, code) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, client_id: clientId, code_verifier: verifier }),
      }),
  };
}

/** The page's Content-Security-Policy reports, as they come (a test expects none). */
export function watchCspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), name).toEqual([]);
}

/** One browser suite's stack: auth as the issuer, the app and its public client, Chromium. */
export interface HostedPages {
  auth: IssuerTestAuth;
  /** Auth's issuer (its pages' origin). */
  issuer: string;
  /** The store the app's client is registered in (a suite may register more). */
  clients: MemoryClientStore;
  app: TestApp;
  /** The app's public client. */
  client: PublicApp;
  browser: Browser;
}

export interface HostedPagesOptions {
  /** Where the suite's screenshots go (made if missing). */
  shots: string;
  clientId: string;
  clientName?: string;
  firstParty?: boolean;
  /** `localhost` where WebAuthn needs a name for its RP ID; 127.0.0.1 (another site than the app) otherwise. */
  host?: '127.0.0.1' | 'localhost';
}

/**
 * Starts the stack before the calling `describe`'s tests and stops it after them. The object is
 * filled in by its `beforeAll`, so read its fields in tests and hooks, not at definition time.
 */
export function useHostedPages({ shots, clientId, clientName, firstParty, host }: HostedPagesOptions): HostedPages {
  const pages = { clients: new MemoryClientStore() } as HostedPages;
  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    pages.app = await startTestApp();
    // COOKIE_SECURE off: the pages are served over http.
    pages.auth = await startTestAuthAsIssuer({ clients: pages.clients, env: { COOKIE_SECURE: 'false' } }, host);
    pages.issuer = pages.auth.issuer;
    pages.client = await registerPublicApp(pages.clients, pages.app, clientId, { ...(clientName ? { clientName } : {}), ...(firstParty ? { firstParty } : {}) });
    pages.browser = await launchChromium();
  });
  afterAll(async () => {
    await pages.browser?.close();
    await pages.auth?.stop();
    await pages.app?.close();
  });
  return pages;
}
