import { ignoreAuthEvents, type AuthEvents } from '../auth-events.js';
import type { AppSessionStore } from './app-sessions.js';
import type { ClientRecord, ClientStore } from '../clients/client-store.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import { redirectWith } from './authorization-request.js';
import type { IdTokenHint } from './id-token-hint.js';

export interface RpLogoutDeps {
  sessions: AppSessionStore;
  clients: ClientStore;
  /** The verified hint, or null when it is not an ID token of ours (see id-token-hint.ts). */
  readHint: (hint: string) => IdTokenHint | null;
  /** Ends a token session (the refresh family and every access token carrying its `sid`). */
  endTokenSession: SessionEnder;
  events?: AuthEvents;
  now?: () => number;
}

/** The parameters of GET /oauth/logout, or of the confirmation form (which carries no hint). */
export interface LogoutParams {
  idTokenHint?: string | undefined;
  clientId?: string | undefined;
  postLogoutRedirectUri?: string | undefined;
  state?: string | undefined;
}

/** Where the browser goes afterwards, checked: the app, and a URI registered for it. */
export interface LogoutTarget {
  client: ClientRecord | null;
  postLogoutRedirectUri?: string;
  state?: string;
}

export type LogoutStep =
  /** Nothing was ended; an error page, never a redirect. */
  | { step: 'refused'; code: string; message: string }
  /** The user must confirm (the confirmation form posts the target back). */
  | { step: 'confirm'; target: LogoutTarget }
  | { step: 'done'; location: string | null };

/** A hint may name several audiences; only the first few are looked up. */
const MAX_AUDIENCES = 5;

/**
 * RP-Initiated Logout 1.0. A top-level navigation from any site reaches GET /oauth/logout with
 * the browser's session cookie, so the logout happens at once only when the request carries a
 * valid `id_token_hint` (ours, for a registered client) naming the user of the live session:
 * an app that was given that user's ID token asks. Anything else (no hint, a forged or foreign
 * one, another user's, an ended session) gets a confirmation page whose CSRF-protected post ends
 * the session. `post_logout_redirect_uri` is followed only when registered for the client.
 */
export function createRpLogout({ sessions, clients, readHint, endTokenSession, events = ignoreAuthEvents, now = Date.now }: RpLogoutDeps) {
  const refused = (code: string, message: string): LogoutStep => ({ step: 'refused', code, message });

  async function registered(clientId: string): Promise<ClientRecord | null> {
    const client = await clients.findById(clientId);
    return client && client.disabledAt === null ? client : null;
  }

  function targetOf(client: ClientRecord | null, params: LogoutParams): LogoutTarget | null {
    const uri = params.postLogoutRedirectUri;
    if (uri !== undefined && !(client?.postLogoutRedirectUris ?? []).includes(uri)) return null;
    return { client, ...(uri === undefined ? {} : { postLogoutRedirectUri: uri }), ...(params.state === undefined ? {} : { state: params.state }) };
  }

  const locationOf = (target: LogoutTarget) =>
    target.postLogoutRedirectUri === undefined ? null : redirectWith(target.postLogoutRedirectUri, { state: target.state });

  const unregistered = () => refused('LOGOUT_REDIRECT_UNREGISTERED', 'The application asked to return to an address it has not registered. You are still signed in.');

  /** Ends the login session and every token session issued under it, on every verifier. */
  async function end(sid: string, target: LogoutTarget): Promise<LogoutStep> {
    const session = await sessions.findSession(sid, now());
    const families = await sessions.endSession(sid);
    for (const familyId of families) await endTokenSession(familyId);
    if (session) events.loggedOut({ userId: session.userId, clientId: target.client?.clientId ?? 'unknown', familyEnded: families.length > 0 });
    return { step: 'done', location: locationOf(target) };
  }

  return {
    /** GET /oauth/logout with the browser's login-session id (if any). */
    async request(params: LogoutParams, sid: string | undefined): Promise<LogoutStep> {
      const hint = params.idTokenHint ? readHint(params.idTokenHint) : null;
      let client: ClientRecord | null = null;
      if (params.clientId !== undefined) {
        // §2: with both, the client must be the one the ID token was issued to.
        if (hint && !hint.audiences.includes(params.clientId)) return refused('LOGOUT_CLIENT_MISMATCH', 'The application is not the one your sign-in was for. You are still signed in.');
        client = await registered(params.clientId);
      } else if (hint) {
        for (const audience of hint.audiences.slice(0, MAX_AUDIENCES)) {
          client = await registered(audience);
          if (client) break;
        }
      }
      const target = targetOf(client, params);
      if (!target) return unregistered();
      // No login session in this browser: nothing to end, nothing to confirm.
      if (!sid) return { step: 'done', location: locationOf(target) };
      const session = await sessions.findSession(sid, now());
      const hintNamesUser = hint !== null && client !== null && session !== null && hint.sub === session.userId;
      return hintNamesUser ? end(sid, target) : { step: 'confirm', target };
    },

    /** The confirmation form's post (its CSRF token checked by the caller). */
    async confirm(params: LogoutParams, sid: string | undefined): Promise<LogoutStep> {
      const target = targetOf(params.clientId === undefined ? null : await registered(params.clientId), params);
      if (!target) return unregistered();
      return sid ? end(sid, target) : { step: 'done', location: locationOf(target) };
    },
  };
}

export type RpLogout = ReturnType<typeof createRpLogout>;
