import { AppError, invalidRequest } from '../../../../lib/errors.js';
import type { RevocationFeed, RevocationFeedPage } from './revocation-feed.js';

/** Entries per answer: bounds every response (and the reader's parse) under a logout flood. */
export const FEED_PAGE_LIMIT = 5_000;

export interface ReadFeedRequest {
  after: string | undefined;
  /** Seconds to hold the request while nothing is new (0: answer at once). */
  waitSeconds: number;
  /** Aborts when the reader hangs up. */
  signal: AbortSignal;
}

/**
 * A shutting-down service answers readers at once and closes their connection, so their retry
 * goes to another replica or waits for this one to come back instead of spinning on it.
 */
const stopping = () =>
  new AppError('FEED_STOPPING', 503, 'the auth service is shutting down, retry shortly', {
    error: 'temporarily_unavailable',
    headers: { 'Retry-After': '1', Connection: 'close' },
  });

/**
 * The revocation feed's one use case: what came after the reader's cursor, right away when there
 * is something (or the reader must start over), else as soon as something is revoked within the
 * wait. A reader resumes from its cursor after any gap, so it never misses an unexpired entry.
 */
export function createReadRevocationFeed(feed: RevocationFeed) {
  return async function readRevocationFeed({ after, waitSeconds, signal }: ReadFeedRequest): Promise<RevocationFeedPage> {
    if (feed.stopped) throw stopping();
    const page = feed.readAfter(after, FEED_PAGE_LIMIT);
    if (page === null) throw invalidRequest('after: not a cursor of this revocation feed', 'FEED_CURSOR_INVALID');
    if (page.entries.length > 0 || page.reset || page.more || waitSeconds === 0) return page;
    await feed.waitAfter(page.cursor, waitSeconds * 1000, signal);
    if (feed.stopped) throw stopping();
    return feed.readAfter(page.cursor, FEED_PAGE_LIMIT) ?? page;
  };
}
