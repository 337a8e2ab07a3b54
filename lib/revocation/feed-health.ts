import type { Logger } from '../logger.js';
import type { RevocationFeedSource, RevocationFeedStatus } from './revocation-list.js';

export interface FeedHealth {
  /** The full state was read and the feed is live. */
  up(): void;
  /** The feed broke; logs one warning per outage however often it is called. */
  down(reason: unknown): void;
  /** The first snapshot could not be read yet; the list is not loaded. */
  readonly loaded: boolean;
  status(): RevocationFeedStatus;
}

/**
 * Up/down bookkeeping shared by every revocation list: reconnect loops report each failed
 * attempt, and this turns them into one warning when an outage starts and one info line when it
 * ends, so a long outage does not flood the logs.
 */
export function createFeedHealth(source: RevocationFeedSource, logger?: Pick<Logger, 'info' | 'warn'>, now: () => number = Date.now): FeedHealth {
  let loaded = false;
  let downSince: number | undefined = now();
  let reason: string | undefined = 'not connected yet';
  let everUp = false;
  let warned = false;
  return {
    up() {
      if (everUp && downSince !== undefined) logger?.info({ source, downMs: now() - downSince }, 'revocation feed restored; state re-read');
      loaded = true;
      everUp = true;
      downSince = undefined;
      reason = undefined;
      warned = false;
    },
    down(cause) {
      reason = describe(cause);
      downSince ??= now();
      if (warned) return;
      warned = true;
      logger?.warn({ source, reason }, 'revocation feed down: revocations made meanwhile are heard once it is back');
    },
    get loaded() {
      return loaded;
    },
    status() {
      const status: RevocationFeedStatus = { source, up: downSince === undefined, loaded };
      if (downSince !== undefined) status.downSince = downSince;
      if (reason !== undefined) status.reason = reason;
      return status;
    },
  };
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message || cause.name;
  return typeof cause === 'string' ? cause : 'unknown error';
}
