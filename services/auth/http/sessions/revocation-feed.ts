import { Router } from 'express';
import { invalidRequest } from '../../../../lib/errors.js';
import { MAX_FEED_WAIT_SECONDS, REVOCATION_FEED_PATH } from '../../../../lib/revocation/revocation-entry.js';
import type { createReadRevocationFeed } from '../../domain/sessions/read-revocation-feed.js';
import { feedAuth } from '../admin/admin-auth.js';

const WAIT = /^(0|[1-9][0-9]?)$/;

/**
 * `GET /internal/revocations?after=<cursor>&wait=<seconds>` with `Authorization: Bearer
 * <REVOCATION_FEED_TOKEN>`: the revocation feed verifiers without Redis read (see
 * lib/revocation/http-revocation-list.ts for why a long-poll). The gateway routes only /auth,
 * /oauth and /.well-known here, so this path is reachable on the internal address alone.
 */
export function revocationFeedRoutes(read: ReturnType<typeof createReadRevocationFeed>, feedToken: string): Router {
  const router = Router();
  router.get(REVOCATION_FEED_PATH, feedAuth(feedToken), async (req, res) => {
    const { after, wait = '0' } = req.query;
    if (after !== undefined && typeof after !== 'string') throw invalidRequest('after: must be one cursor', 'FEED_CURSOR_INVALID');
    if (typeof wait !== 'string' || !WAIT.test(wait) || Number(wait) > MAX_FEED_WAIT_SECONDS) {
      throw invalidRequest(`wait: must be whole seconds from 0 to ${MAX_FEED_WAIT_SECONDS}`, 'FEED_WAIT_INVALID');
    }
    const hangUp = new AbortController();
    res.once('close', () => hangUp.abort());
    const page = await read({ after, waitSeconds: Number(wait), signal: hangUp.signal });
    if (!res.writableEnded && !res.destroyed) res.set('Cache-Control', 'no-store').json(page);
  });
  return router;
}
