import type { Request, Response } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError } from '../../../lib/errors.js';
import type { NoteFeed } from '../domain/note-feed.js';
import type { Note } from '../domain/note-store.js';

/** WebSocket close code 1008 (policy violation, RFC 6455 §7.4.1): the token behind the socket is no longer valid. */
const POLICY_VIOLATION = 1008;
/** setTimeout's limit (~24.8 days); a longer-lived token is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface FeedSockets {
  /** Takes over an authorised upgrade request (`req.auth` set) and streams the caller's new notes. */
  accept(req: Request, res: Response, view: (note: Note) => unknown): void;
  closeAll(): void;
}

/**
 * `GET /notes/feed` as a WebSocket: each note the caller creates from then on arrives as a text
 * message `{"type":"note","note":{...}}`. The socket closes (1008) when the token it was opened
 * with expires, as the gateway's tunnel does: a socket never outlives its token.
 */
export function createFeedSockets(feed: NoteFeed, now: () => number = Date.now): FeedSockets {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const open = new Set<WebSocket>();
  return {
    accept(req, res, view) {
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
        throw new AppError('UPGRADE_REQUIRED', 426, 'GET /notes/feed is a WebSocket: connect with Upgrade: websocket', { headers: { Upgrade: 'websocket' } });
      }
      const auth = req.auth!;
      res.statusCode = 101;
      wss.handleUpgrade(req, req.socket, Buffer.alloc(0), (ws) => {
        open.add(ws);
        const unsubscribe = feed.subscribe(auth.sub, (note) => ws.send(JSON.stringify({ type: 'note', note: view(note) })));
        const expiry = setTimeout(() => ws.close(POLICY_VIOLATION, 'token expired'), Math.min(MAX_TIMER_MS, Math.max(0, auth.expiresAt * 1000 - now())));
        // Clients only listen; anything they send is ignored (maxPayload bounds it).
        ws.once('close', () => {
          open.delete(ws);
          clearTimeout(expiry);
          unsubscribe();
        });
      });
    },
    closeAll() {
      for (const ws of open) ws.terminate();
      wss.close();
    },
  };
}
