import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { HAS_CHROMIUM, launchChromium } from './support/chromium.js';
import { startBrowserStack, type BrowserStack } from './support/browser-stack.js';

/**
 * The demo page when a session ends under the user (expired, or signed out in another tab): the
 * page says why it is back at sign-in, and the note being typed survives, even a reload, for the
 * same user only.
 */
const USERNAME = 'draft-user';
const OTHER = 'other-draft-user';

let stack: BrowserStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

async function signIn(username: string): Promise<void> {
  await page.fill('#login-form input[name=username]', username);
  await page.fill('#login-form input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.locator('#notes-view').waitFor({ state: 'visible' });
}

/** Ends the session as another tab's logout would, without the page knowing (text, not DOM types). */
async function endSessionElsewhere(): Promise<void> {
  const status = await page.evaluate<number>(`(async () => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrf_token=')).slice('csrf_token='.length);
    return (await fetch('/auth/session', { method: 'DELETE', credentials: 'include', headers: { 'x-csrf-token': csrf } })).status;
  })()`);
  expect(status).toBe(204);
}

const noteText = async () => ({
  title: await page.inputValue('#note-form input[name=title]'),
  body: await page.inputValue('#note-form textarea[name=body]'),
});

describe.runIf(HAS_CHROMIUM)('the demo page when the session ends', () => {
  beforeAll(async () => {
    stack = await startBrowserStack();
    for (const username of [USERNAME, OTHER]) expect((await post(stack.gatewayUrl, '/auth/register', { username, password: PASSWORD })).status).toBe(201);
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('when the page opens on a first visit, then it shows the sign-in form with no message', async () => {
    await page.goto(`${stack.pageUrl}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#login-notice').isHidden()).toBe(true);
    expect(await page.textContent('#login-error')).toBe('');
  });

  it('when the session ends while a note is being typed, then saving says why sign-in is back and the text is kept for after sign-in', async () => {
    await signIn(USERNAME);
    await page.fill('#note-form input[name=title]', 'Half-written');
    await page.fill('#note-form textarea[name=body]', 'A long thought that must not be lost.');
    await endSessionElsewhere();

    await page.click('#note-form button[type=submit]');
    await page.locator('#login-view').waitFor({ state: 'visible' });
    const notice = await page.textContent('#login-notice');
    expect(notice).toMatch(/session has ended/i);
    expect(notice).toMatch(/note you were writing is kept/);

    // Even a reload before signing in again keeps the draft (the tab's sessionStorage).
    await page.reload();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await signIn(USERNAME);
    expect(await noteText()).toEqual({ title: 'Half-written', body: 'A long thought that must not be lost.' });
    expect(await page.locator('#notes li').count()).toBe(0);

    await page.click('#note-form button[type=submit]');
    await page.locator('#notes li h3', { hasText: 'Half-written' }).waitFor();
    expect(await noteText()).toEqual({ title: '', body: '' });
    // Saved means gone from the draft store: a reload shows an empty form.
    await page.reload();
    await page.locator('#notes li h3', { hasText: 'Half-written' }).waitFor();
    expect(await noteText()).toEqual({ title: '', body: '' });
  });

  it('when someone else signs in on the same tab after the session ended, then they never see the previous draft', async () => {
    await page.fill('#note-form input[name=title]', 'Private draft');
    await endSessionElsewhere();
    await page.click('#note-form button[type=submit]');
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await signIn(OTHER);
    expect(await noteText()).toEqual({ title: '', body: '' });
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('note-draft')`)).toBeNull();
  });
});
