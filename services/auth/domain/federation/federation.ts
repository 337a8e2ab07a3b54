import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AppSessionStore, LoginSession } from '../app-flow/app-sessions.js';
import { LOGIN_SESSION_TTL_SECONDS } from '../app-flow/app-flow.js';
import { isAppError } from '../../../../lib/errors.js';
import { ignoreAuthEvents, type AuthEvents } from '../auth-events.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { SessionDevice } from '../tokens/token-store.js';
import type { TokenPair } from '../tokens/token-pair.js';
import { createFederatedAccounts, NO_PASSWORD_HASH, type FederatedProvider } from './federated-account.js';
import { federationErrors } from './federation-errors.js';
import type { FederationStateStore } from './federation-state.js';
import type { ClaimMapping } from './identity-providers-file.js';
import type { LinkedIdentityStore } from './linked-identities.js';
import { UpstreamFailure, type UpstreamIdentity, type UpstreamProvider } from './upstream-provider.js';

/** How long a round trip to the upstream may take (the person types a password there). */
export const PENDING_SIGN_IN_TTL_SECONDS = 600;

/** A configured provider: its protocol adapter and the file's claim mapping. */
export interface ConfiguredProvider {
  upstream: UpstreamProvider;
  claims: ClaimMapping;
}

export interface FederationDeps {
  providers: readonly ConfiguredProvider[];
  state: FederationStateStore;
  links: LinkedIdentityStore;
  users: UserStore;
  sessions: AppSessionStore;
  endTokenSession: SessionEnder;
  /** AUTH_PUBLIC_URL: the base of the callback URL registered at each upstream. */
  publicUrl: string;
  /**
   * A first-party token pair for the browser-session cookies (docs/browser-sessions.md), its
   * refresh family added to login session `sid` so ending that session ends it too.
   */
  startBrowserSession: (user: UserRecord, session: LoginSession, device: SessionDevice) => Promise<TokenPair>;
  /** Checks `return_to` (return-to.ts): the URL to go to, or null. */
  checkReturnTo: (value: string | undefined) => Promise<string | null>;
  /** The audit trail: sign-ins, links, refused callbacks, back-channel logouts. */
  events?: AuthEvents;
  now?: () => number;
}

/** The closed reason of a refusal for the audit trail: our own error code, never the upstream's words. */
const refusalReason = (err: unknown): string =>
  isAppError(err) && err.code.startsWith('FEDERATION_') ? err.code.slice('FEDERATION_'.length).toLowerCase() : 'internal';

const MAX_STATE_LENGTH = 128;
const BROWSER_SECRET = /^[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string) => createHash('sha256').update(value).digest();
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * Federated sign-in: the round trip to an upstream provider (start, callback), the account it
 * leads to, a login session like the password's (so /oauth/authorize continues the app's request),
 * the upstream's back-channel logout, and the user's linked identities.
 */
export function createFederation(deps: FederationDeps) {
  const { state, links, users, sessions, endTokenSession, now = Date.now, events = ignoreAuthEvents } = deps;
  const byId = new Map(deps.providers.map((provider) => [provider.upstream.id, provider]));
  const accounts = createFederatedAccounts({ users, links, randomHex: (bytes) => randomBytes(bytes).toString('hex') });

  function providerOf(id: string): ConfiguredProvider {
    const provider = byId.get(id);
    if (!provider) throw federationErrors.unknownProvider();
    return provider;
  }
  const describe = ({ upstream, claims }: ConfiguredProvider): FederatedProvider => ({ id: upstream.id, name: upstream.name, issuer: upstream.issuer, claims });
  const callbackUrl = (id: string) => `${deps.publicUrl}/auth/federation/${encodeURIComponent(id)}/callback`;

  /** Runs an upstream call, mapping its failure to the refusal a person can read. */
  async function upstreamCall<T>(provider: ConfiguredProvider, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      if (err.kind === 'refused') throw federationErrors.upstreamRefused(provider.upstream.name);
      if (err.kind === 'unreachable') throw federationErrors.upstreamUnreachable(provider.upstream.name);
      throw federationErrors.upstreamInvalid(provider.upstream.name);
    }
  }

  async function newLoginSession(userId: string, providerId: string, identity: UpstreamIdentity): Promise<LoginSession> {
    const at = now();
    const session: LoginSession = { sid: randomUUID(), userId, authTime: at, expiresAt: at + LOGIN_SESSION_TTL_SECONDS * 1000 };
    await sessions.saveSession(session);
    await state.rememberUpstreamSession({ providerId, subject: identity.subject, ...(identity.sid ? { sid: identity.sid } : {}) }, session.sid, session.expiresAt);
    return session;
  }

  /**
   * The state is spent first (a replay, an error answer and a failed check all leave nothing to
   * retry), then checked against this browser, then the upstream's answer is checked and the
   * account found, made or linked; a login session starts.
   */
  async function finishCallback(provider: ConfiguredProvider, callback: URL, browserSecret: string | undefined) {
    const providerId = provider.upstream.id;
    const stateValue = callback.searchParams.get('state');
    // Ours are 43 characters: anything much longer is not worth a store lookup.
    const pending = stateValue && stateValue.length <= MAX_STATE_LENGTH ? await state.takePending(stateValue, now()) : null;
    if (!pending || pending.providerId !== providerId || !browserSecret) throw federationErrors.badState();
    const expected = Buffer.from(pending.browserHash, 'base64url');
    const given = sha256(browserSecret);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw federationErrors.badState();
    const checks = { state: stateValue!, nonce: pending.nonce, codeVerifier: pending.codeVerifier, redirectUri: callbackUrl(providerId) };
    const identity = await upstreamCall(provider, () => provider.upstream.finish(callback, checks));
    const { user, created } = pending.linkUserId ? await accounts.linkTo(pending.linkUserId, describe(provider), identity) : await accounts.signIn(describe(provider), identity);
    const session = await newLoginSession(user.id, providerId, identity);
    return { user, session, returnTo: pending.returnTo, linked: pending.linkUserId !== undefined, created };
  }

  /** A verified logout token, seen once: the local login sessions it names end, with their token sessions. */
  async function endUpstreamSession(provider: ConfiguredProvider, logoutToken: string | undefined): Promise<number> {
    const providerId = provider.upstream.id;
    if (!logoutToken) throw federationErrors.badLogoutToken();
    const logout = await upstreamCall(provider, () => provider.upstream.readLogoutToken(logoutToken)).catch((err: unknown) => {
      throw err instanceof Error && 'code' in err && err.code === 'FEDERATION_UPSTREAM_UNREACHABLE' ? err : federationErrors.badLogoutToken();
    });
    if (!(await state.firstSight(`${providerId}:${logout.jti}`, logout.exp * 1000, now()))) throw federationErrors.badLogoutToken();
    const local = await state.takeUpstreamSessions({ providerId, ...(logout.sid ? { sid: logout.sid } : { subject: logout.sub! }) }, now());
    for (const sid of local) {
      const families = await sessions.endSession(sid);
      for (const familyId of families) await endTokenSession(familyId);
    }
    return local.length;
  }

  return {
    /** The buttons of the hosted login page. */
    providers: (): Array<{ id: string; name: string }> => deps.providers.map(({ upstream }) => ({ id: upstream.id, name: upstream.name })),

    /**
     * GET /auth/federation/:id/start: where to send the browser, and the secret its cookie must
     * carry back (the callback is refused from any other browser). `linkUserId`: the signed-in
     * owner of an account links this identity to it.
     */
    async start(providerId: string, input: { returnTo?: string | undefined; linkUserId?: string; browserSecret?: string | undefined }): Promise<{ location: string; browserSecret: string }> {
      const provider = providerOf(providerId);
      const returnTo = await deps.checkReturnTo(input.returnTo);
      if (returnTo === null) throw federationErrors.badReturnTo();
      const checks = { state: random(32), nonce: random(32), codeVerifier: random(48), redirectUri: callbackUrl(providerId) };
      // The browser's secret is kept across starts, so two tabs signing in at once both finish.
      const browserSecret = input.browserSecret && BROWSER_SECRET.test(input.browserSecret) ? input.browserSecret : random(32);
      const location = await upstreamCall(provider, () => provider.upstream.authorizationUrl(checks));
      await state.savePending(checks.state, {
        providerId,
        nonce: checks.nonce,
        codeVerifier: checks.codeVerifier,
        returnTo,
        browserHash: sha256(browserSecret).toString('base64url'),
        ...(input.linkUserId ? { linkUserId: input.linkUserId } : {}),
        expiresAt: now() + PENDING_SIGN_IN_TTL_SECONDS * 1000,
      });
      return { location: location.toString(), browserSecret };
    },

    /**
     * GET /auth/federation/:id/callback: finishCallback, its outcome reported to the audit trail
     * (`linked` for a link's round trip; `created` when the sign-in made the account).
     */
    async callback(providerId: string, callback: URL, browserSecret: string | undefined, clientIp: string) {
      const provider = providerOf(providerId);
      try {
        const done = await finishCallback(provider, callback, browserSecret);
        const { user, linked, created } = done;
        events.federationEvent(linked ? { change: 'linked', providerId, userId: user.id, clientIp } : { change: 'signed_in', providerId, userId: user.id, created, clientIp });
        return done;
      } catch (err) {
        events.federationEvent({ change: 'callback_refused', providerId, reason: refusalReason(err), clientIp });
        throw err;
      }
    },

    /** After a callback that returns to a page rather than an app's authorization request: the browser-session cookies' tokens. */
    browserSession: (user: UserRecord, session: LoginSession, device: SessionDevice) => deps.startBrowserSession(user, session, device),

    /**
     * POST /auth/federation/:id/backchannel-logout: a verified logout token, seen once, ends the
     * local login sessions that upstream session started, and every token session issued in them.
     */
    async backchannelLogout(providerId: string, logoutToken: string | undefined): Promise<number> {
      const provider = providerOf(providerId);
      try {
        const sessionsEnded = await endUpstreamSession(provider, logoutToken);
        events.federationEvent({ change: 'backchannel_logout', providerId, outcome: 'accepted', sessionsEnded });
        return sessionsEnded;
      } catch (err) {
        events.federationEvent({ change: 'backchannel_logout', providerId, outcome: 'refused', reason: refusalReason(err) });
        throw err;
      }
    },

    /** GET /auth/account/identities: the user's links. */
    async identities(userId: string) {
      const found = await links.listForUser(userId);
      return found.map((link) => ({
        id: link.id,
        provider: link.providerId,
        provider_name: byId.get(link.providerId)?.upstream.name ?? link.providerId,
        issuer: link.issuer,
        subject: link.subject,
        ...(link.label ? { label: link.label } : {}),
        linked_at: link.linkedAt.toISOString(),
      }));
    },

    /** DELETE /auth/account/identities/:id: refused when it is the last way into an account without a password. */
    async unlink(userId: string, linkId: string): Promise<void> {
      const user = await users.findById(userId);
      const hasPassword = user !== null && user.passwordHash !== NO_PASSWORD_HASH;
      const found = await links.listForUser(userId);
      if (!found.some((link) => link.id === linkId)) throw federationErrors.linkUnknown();
      if (!hasPassword && found.length === 1) throw federationErrors.lastSignInMethod();
      if (!(await links.unlink(userId, linkId))) throw federationErrors.linkUnknown();
      events.federationEvent({ change: 'unlinked', providerId: found.find((link) => link.id === linkId)!.providerId, userId });
    },
  };
}

export type Federation = ReturnType<typeof createFederation>;
