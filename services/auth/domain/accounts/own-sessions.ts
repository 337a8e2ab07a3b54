import { AppError } from '../../../../lib/errors.js';
import type { AuthEvents } from '../auth-events.js';
import { authErrors } from '../errors.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import type { RefreshTokenStore } from '../tokens/token-store.js';

/** A session as GET /auth/sessions shows it (API.md, "Accounts"). */
export interface SessionView {
  sid: string;
  created_at: string;
  last_used_at: string;
  user_agent: string;
  ip: string;
  /** The session the caller's access token belongs to. */
  current: boolean;
}

/** A sid is a family id: UUID-shaped (domain/tokens/refresh-token.ts). Anything else is not one. */
const SID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Another account's session and no session at all look alike, so a sid cannot be probed. */
const sessionNotFound = () => new AppError('SESSION_NOT_FOUND', 404, 'no such session of this account', { error: 'not_found' });

export interface OwnSessionsDeps {
  tokens: Pick<RefreshTokenStore, 'listSessions'>;
  endTokenSession: SessionEnder;
  events: AuthEvents;
  now: () => number;
}

/** The user's own login sessions: where they are signed in, and ending one of them. */
export function createOwnSessions({ tokens, endTokenSession, events, now }: OwnSessionsDeps) {
  return {
    /** GET /auth/sessions: the caller's live sessions, oldest first; `currentSid` is the caller's own. */
    async list(userId: string, currentSid: string | undefined): Promise<{ sessions: SessionView[] }> {
      const sessions = await tokens.listSessions(userId, now());
      return {
        sessions: sessions.map((s) => ({
          sid: s.sid,
          created_at: new Date(s.createdAt).toISOString(),
          last_used_at: new Date(s.lastUsedAt).toISOString(),
          user_agent: s.userAgent,
          ip: s.ip,
          current: s.sid === currentSid,
        })),
      };
    },

    /**
     * DELETE /auth/sessions/:sid: ends one live session of the caller's own account through the
     * service's one session ender, so its access tokens are refused at every verifier. Ending the
     * caller's own current session is allowed (a logout from the list).
     */
    async end(input: { userId: string; sid: string; clientIp: string }): Promise<void> {
      if (!SID.test(input.sid)) throw authErrors.invalidField('sid', 'must be a session id from GET /auth/sessions');
      const own = await tokens.listSessions(input.userId, now());
      if (!own.some((s) => s.sid === input.sid)) throw sessionNotFound();
      await endTokenSession(input.sid);
      events.accountChanged({ change: 'session.ended', userId: input.userId, sid: input.sid, clientIp: input.clientIp });
    },
  };
}
