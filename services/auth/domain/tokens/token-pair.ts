import type { RefreshTokenStore, SessionDevice } from './token-store.js';
import type { UserRecord } from '../users/user-store.js';
import { tokenTypeOf, type AccessTokenIssuer, type TokenType } from './access-token-issuer.js';
import { hashRefreshToken, newRefreshToken } from './refresh-token.js';
import type { Authentication } from '../mfa/authentication.js';

/** What login and refresh answer (RFC 6749 §5.1 member names). */
export interface TokenPair {
  access_token: string;
  token_type: TokenType;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** Which client a user's tokens are for, and with what scope. */
export interface Grant {
  clientId: string;
  scope: string;
  /** The DPoP key the access token is bound to (RFC 9449 `cnf.jkt`); absent: a bearer token. */
  jkt?: string | undefined;
  /** How the user signed in: every token of the session says so (auth_time, amr, acr). */
  authentication?: Authentication | undefined;
}

export interface TokenPairIssuerOptions {
  issueAccessToken: AccessTokenIssuer;
  refreshTokens: RefreshTokenStore;
  refreshTokenTtlSeconds: number;
  now: () => number;
}

/** Issues access tokens for users, and new refresh-token families at login. */
export class TokenPairIssuer {
  constructor(private readonly options: TokenPairIssuerOptions) {}

  /** A fresh access token for `user` carrying the grant's client and scope, in login session `sid`. */
  accessTokenFor(user: UserRecord, grant: Grant, sid: string) {
    return this.options.issueAccessToken({ sub: user.id, clientId: grant.clientId, scope: grant.scope, roles: user.roles, username: user.username, sid, jkt: grant.jkt, authentication: grant.authentication });
  }

  /**
   * Starts a new refresh-token family (a login) and returns its first pair. `bindRefreshToken`
   * (public clients, RFC 9449 §5) binds the whole family to `grant.jkt`: each refresh must then
   * prove that key, since a public client has no secret that would stop a thief otherwise.
   * `device` (where the login came from) is kept with the family for the user's session list.
   */
  async startFamily(user: UserRecord, grant: Grant, { bindRefreshToken = false, device }: { bindRefreshToken?: boolean; device?: SessionDevice } = {}): Promise<TokenPair> {
    const refreshToken = newRefreshToken();
    const issuedAt = this.options.now();
    // The family is the login session: its id (a one-way hash of the token's family tag) is the
    // `sid` of every access token refreshed from it.
    const { familyId, tokenHash } = hashRefreshToken(refreshToken);
    await this.options.refreshTokens.issueRefreshToken({
      tokenHash,
      familyId,
      subject: user.id,
      clientId: grant.clientId,
      scope: grant.scope,
      issuedAt,
      expiresAt: issuedAt + this.options.refreshTokenTtlSeconds * 1000,
      ...(bindRefreshToken && grant.jkt !== undefined ? { jkt: grant.jkt } : {}),
      ...(device ? { device } : {}),
      ...(grant.authentication ? { authentication: grant.authentication } : {}),
    });
    return this.pair(user, grant, refreshToken, familyId);
  }

  /** Pairs a new access token of session `sid` with a refresh token that already exists in the store. */
  pair(user: UserRecord, grant: Grant, refreshToken: string, sid: string): TokenPair {
    const access = this.accessTokenFor(user, grant, sid);
    return { access_token: access.token, token_type: tokenTypeOf(grant.jkt), expires_in: access.expiresIn, refresh_token: refreshToken, scope: grant.scope };
  }
}
