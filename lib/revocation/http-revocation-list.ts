import type { Logger } from '../logger.js';
import { createFeedHealth } from './feed-health.js';
import { RevokedIds } from './revoked-ids.js';
import { parseRevocationEntry, REVOCATION_FEED_PATH, type RevocationEntry, type RevocationFeedPage } from './revocation-entry.js';
import type { RevocationList } from './revocation-list.js';

export interface HttpRevocationListOptions {
  /** Base URL of the auth service as this process reaches it (AUTH_URL). */
  authUrl: string;
  /** REVOCATION_FEED_TOKEN, shared by the auth service and its verifiers. */
  token: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How long auth may hold a request open while nothing happens, seconds. Default 25. */
  waitSeconds?: number;
  /** First retry delay after a failure; doubles up to `retryMaxMs`. Defaults 250 / 2 000 ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How often entries past their deadline are dropped even if never looked up again. Default 60 s. */
  sweepIntervalMs?: number;
}

/** Added to the server-side wait: a request that outlives it is broken, not just quiet. */
const REQUEST_SLACK_MS = 5_000;

/**
 * The revocation list of a verifier without Redis, fed by the auth service over HTTP.
 *
 * Why a cursor-based long-poll rather than SSE: each answer is a complete JSON page with the
 * cursor to resume from, so a verifier that was away (network blip, auth restart, a late start)
 * resumes with one ordinary request and gets exactly what it missed; paging bounds every answer
 * under a logout flood; and plain fetch with a timeout detects a dead connection, where an SSE
 * stream needs heartbeats, an event parser and Last-Event-ID bookkeeping to do the same. While
 * nothing happens, auth holds the request open (up to `waitSeconds`) and answers the moment a
 * revocation is recorded, so a logout reaches every verifier within milliseconds, with one idle
 * request per verifier instead of a request per token check.
 *
 * The first full read (every unexpired revocation) completes before `ready()` resolves, so a
 * cold verifier reports ready only once it knows the current state. Timers are unref'd.
 */
export function createHttpRevocationList(options: HttpRevocationListOptions): RevocationList {
  const { token, logger, waitSeconds = 25, retryMinMs = 250, retryMaxMs = 2_000, sweepIntervalMs = 60_000 } = options;
  const url = new URL(REVOCATION_FEED_PATH, `${options.authUrl.replace(/\/+$/, '')}/`);
  const health = createFeedHealth('auth', logger);
  const revoked = new RevokedIds(sweepIntervalMs);
  const stopped = new AbortController();
  const waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  let lastError: Error | undefined;
  let cursor: string | undefined;

  const settle = (error?: Error) => {
    for (const waiter of waiters) error ? waiter.reject(error) : waiter.resolve();
    waiters.clear();
  };

  const fetchPage = async (wait: number): Promise<RevocationFeedPage> => {
    const target = new URL(url);
    if (cursor !== undefined) target.searchParams.set('after', cursor);
    target.searchParams.set('wait', String(wait));
    const res = await fetch(target, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.any([stopped.signal, AbortSignal.timeout(wait * 1000 + REQUEST_SLACK_MS)]),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(refusal(res.status));
    }
    return parsePage(await res.json());
  };

  const run = async () => {
    let delay = retryMinMs;
    let current = false;
    while (!stopped.signal.aborted) {
      try {
        // Only a reader that is caught up waits; one catching up pages through at once.
        const page = await fetchPage(current ? waitSeconds : 0);
        for (const entry of page.entries) revoked.remember(entry);
        cursor = page.cursor;
        current = !page.more;
        delay = retryMinMs;
        if (current) {
          health.up();
          lastError = undefined;
          settle();
        }
      } catch (error) {
        if (stopped.signal.aborted) return;
        current = false;
        health.down(error);
        if (!health.loaded) {
          lastError = error as Error;
          settle(lastError);
        }
        await pause(delay, stopped.signal);
        delay = Math.min(delay * 2, retryMaxMs);
      }
    }
  };
  void run();

  return {
    isRevoked: (jti) => revoked.has('jti', jti),
    isSessionRevoked: (sid) => revoked.has('sid', sid),
    ready() {
      if (health.loaded) return Promise.resolve();
      if (lastError) return Promise.reject(lastError);
      return new Promise<void>((resolve, reject) => waiters.add({ resolve, reject }));
    },
    status: () => health.status(),
    async close() {
      stopped.abort();
      revoked.close();
      settle(new Error('revocation list closed'));
    },
  };
}

function refusal(status: number): string {
  if (status === 401) return 'the auth service refused REVOCATION_FEED_TOKEN (401): it must be the same value in every process';
  if (status === 404) return 'the auth service serves no revocation feed (404): set REVOCATION_FEED_TOKEN there too, or REDIS_URL everywhere';
  return `the revocation feed answered ${status}`;
}

function parsePage(body: unknown): RevocationFeedPage {
  const page = body as Partial<RevocationFeedPage> | null;
  if (typeof page !== 'object' || page === null || typeof page.cursor !== 'string' || !Array.isArray(page.entries)) {
    throw new Error('the revocation feed answered a malformed page');
  }
  const entries = page.entries.map(parseRevocationEntry).filter((entry): entry is RevocationEntry => entry !== null);
  return { cursor: page.cursor, entries, more: page.more === true, reset: page.reset === true };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
