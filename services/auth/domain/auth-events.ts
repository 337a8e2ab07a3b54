import type { PasskeyEvent } from './passkeys/passkey-events.js';

/**
 * What the use cases report as it happens: one call per security event, consumed by every sink at
 * once (the Prometheus counters and the audit trail, combined with `allAuthEvents`), so a counter
 * and its audit line can never disagree about what happened.
 *
 * Rules for every detail object, whatever the sink:
 * - never a password, token, secret, hash of one, or key material;
 * - a username only where the event names an existing account (login events), never the name a
 *   caller typed for an account that does not exist (it is often a password typed one field early);
 * - metric label values come from closed sets only (`outcome`, `reason`, `change`, `source`),
 *   never from what a caller sends.
 * Wrong password, unknown user and locked account are one outcome on the wire and in the metric;
 * `reason` tells them apart for the operator reading the audit trail only.
 */
export interface AuthEvents {
  /** A password check ended (JSON login API, browser session and the hosted login page alike). */
  loginFinished(event: LoginFinished): void;
  accessTokenIssued(grant: 'password' | 'passkey' | 'refresh_token' | 'client_credentials' | 'token_exchange'): void;
  /** A spent refresh token came back after the grace window and its family was revoked. */
  refreshReuseDetected(event: { userId: string; clientId: string; familyId: string }): void;
  /** A caller logged out: its access token is denied and, when given and its own, its refresh family ended. */
  loggedOut(event: { userId: string; clientId: string; familyEnded: boolean }): void;
  /**
   * An RFC 8693 token exchange issued a token. To be called by the exchange grant once its token
   * is issued (not on refusal): `clientId` the authenticated client that asked, `userId` the
   * subject of the subject_token, `actorId` the actor_token's subject when one was given.
   */
  tokenExchanged(event: { clientId: string; userId: string; actorId?: string; audience: string[]; scope: string }): void;
  /** An operator locked or unlocked an account (idempotent calls are reported too). */
  accountLockChanged(event: { userId: string; locked: boolean; by: AdminCaller }): void;
  /** An operator replaced a user's roles; `removed` ones ended the account's sessions. Role names only. */
  rolesChanged(event: { userId: string; roles: string[]; removed: string[]; sessionsEnded: number; by: AdminCaller }): void;
  /** An operator ended a user's sessions, deleted the user, or had a reset link mailed. */
  userAdministered(event: { userId: string; action: UserAdminAction; sessionsEnded?: number; by: AdminCaller }): void;
  /**
   * An operator read a page of the user list or a search. What was searched for is left out (it is
   * often a name nobody has, or part of one), only which kind of search and how many came back.
   */
  usersListed(event: { search: 'all' | 'username' | 'email'; returned: number; by: AdminCaller }): void;
  /** A client was created, had its configuration replaced (clients file upsert), was disabled or deleted. */
  clientChanged(event: { change: 'created' | 'updated' | 'disabled' | 'deleted'; clientId: string; by: AdminCaller | { source: 'clients_file' } }): void;
  /** This process took a new signing key set: by rotating it (admin API) or re-reading the shared file (poller). */
  signingKeysChanged(event: SigningKeysChanged): void;
  /** A request to the admin API or RFC 7591 registration came without the admin token, or with a wrong one. */
  adminAuthFailed(event: { reason: 'missing' | 'invalid'; clientIp: string; path: string }): void;
  /** A self-service change to an account (verification, reset, password change); never the token or password. */
  accountChanged(event: AccountChanged): void;
  /** A federated sign-in, link or unlink, a refused callback, an upstream's back-channel logout; never a code or token. */
  federationEvent(event: FederationEvent): void;
  /** A passkey was registered, removed or used, or a passkey ceremony was refused (never the WebAuthn JSON). */
  passkey(event: PasskeyEvent): void;
  /** A second factor was enrolled, removed or used in a way an operator must be able to see; never a code or secret. */
  secondFactorChanged(event: SecondFactorEvent): void;
}

/**
 * What happened with an upstream provider (audit event `federation.<change>`). `providerId` is
 * always a configured provider's id (a request naming an unknown one is not reported); `reason`
 * is the refusal's closed code (`state`, `upstream_refused`, `upstream_invalid`, ...).
 */
export type FederationEvent =
  | { change: 'signed_in'; providerId: string; userId: string; created: boolean; clientIp: string }
  | { change: 'linked'; providerId: string; userId: string; clientIp: string }
  | { change: 'unlinked'; providerId: string; userId: string }
  | { change: 'callback_refused'; providerId: string; reason: string; clientIp: string }
  | { change: 'backchannel_logout'; providerId: string; outcome: 'accepted'; sessionsEnded: number }
  | { change: 'backchannel_logout'; providerId: string; outcome: 'refused'; reason: string };

/** `factor` names the kind (`totp`, `recovery_code`, `webauthn`, or `all` for an operator's removal). */
export type SecondFactorEvent =
  | { change: 'mfa.enrolled'; userId: string; factor: string; clientIp: string }
  | { change: 'mfa.removed'; userId: string; factor: string; by: 'user' | AdminCaller; sessionsEnded?: number }
  /** A recovery code completed a second step; `left` of the ten remain. */
  | { change: 'mfa.recovery_code_used'; userId: string; left: number; clientIp: string }
  /** A second step was refused: a wrong code, a replayed one, or too many attempts (`rate_limited`). */
  | { change: 'mfa.failed'; userId: string; reason: 'wrong_code' | 'replayed_code' | 'rate_limited'; clientIp: string };

/** What an operator did to one user (audit event `user.<action>`). */
export type UserAdminAction = 'created' | 'invited' | 'viewed' | 'email_changed' | 'factors_removed' | 'sessions_ended' | 'session_ended' | 'deleted' | 'password_reset_sent';

export type AccountChanged =
  | { change: 'email.verified'; userId: string }
  /** An invited user set their password through the invitation link; their address is verified by it. */
  | { change: 'invitation.accepted'; userId: string }
  /** `userId` null and `mailed` false when no account matched: the trail says so, the caller never hears it. */
  | { change: 'password.reset_requested'; userId: string | null; mailed: boolean; clientIp: string }
  | { change: 'password.reset'; userId: string; sessionsEnded: number }
  | { change: 'password.changed'; userId: string; sessionsEnded: number }
  /** The user ended one of their own sessions (DELETE /auth/sessions/:sid). */
  | { change: 'session.ended'; userId: string; sid: string; clientIp: string }
  /** The account and its personal data are gone; `userId` is the only trace of it. */
  | { change: 'account.deleted'; userId: string; sessionsEnded: number; clientIp: string };

/** Who did an operator's act: the endpoint family and the address it came from (after trusted proxies). */
export interface AdminCaller {
  source: 'admin_api' | 'registration' | 'console';
  clientIp: string;
  /** The admin user, when a user's access token (role admin) let the call in; absent with AUTH_ADMIN_TOKEN. */
  userId?: string;
}

export type LoginFinished =
  | { outcome: 'success'; userId: string; username: string; clientId: string; clientIp: string }
  /** `userId`/`username` only when the name is an existing account's. */
  | { outcome: 'invalid_credentials'; reason: 'unknown_user' | 'wrong_password' | 'account_locked' | 'email_not_verified'; userId: string | null; username: string | null; clientId: string; clientIp: string }
  /** Refused before any lookup, so no user is known. */
  | { outcome: 'rate_limited'; clientId: string; clientIp: string };

export type SigningKeysChanged =
  | { change: 'rotated'; kid: string; activatesAt: Date }
  | { change: 'reloaded'; kids: string[]; signingKid: string };

/** For wiring without metrics or audit (tests, tools). */
export const ignoreAuthEvents: AuthEvents = {
  loginFinished: () => {},
  accessTokenIssued: () => {},
  refreshReuseDetected: () => {},
  loggedOut: () => {},
  tokenExchanged: () => {},
  accountLockChanged: () => {},
  rolesChanged: () => {},
  userAdministered: () => {},
  usersListed: () => {},
  clientChanged: () => {},
  signingKeysChanged: () => {},
  adminAuthFailed: () => {},
  accountChanged: () => {},
  federationEvent: () => {},
  passkey: () => {},
  secondFactorChanged: () => {},
};

/**
 * Every sink gets every event, in order. A sink that throws does not keep the others from
 * hearing it, and never fails the request: reporting is not part of the answer.
 */
export function allAuthEvents(...sinks: AuthEvents[]): AuthEvents {
  const combined = {} as Record<keyof AuthEvents, (event: never) => void>;
  for (const name of Object.keys(ignoreAuthEvents) as Array<keyof AuthEvents>) {
    combined[name] = (event: never) => {
      for (const sink of sinks) {
        try {
          (sink[name] as (event: never) => void)(event);
        } catch {
          // A broken sink (a closed log stream) must not turn a login into a 500.
        }
      }
    };
  }
  return combined as unknown as AuthEvents;
}
