import { AppError } from '../../../../lib/errors.js';

/** RFC 6749 §5.2 error values the token, introspection and revocation endpoints answer with. */
export type OAuthErrorValue =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_token_type';

/** The challenge RFC 6749 §5.2 asks for when the client tried HTTP Basic authentication. */
/**
 * Errors of the OAuth 2.0 endpoints. Every description is fixed text (no caller input echoed), and
 * every refusal of a client credential is the same `invalid_client` whatever the reason (unknown
 * client, wrong secret, disabled, bad assertion), so a caller cannot probe which ids exist;
 * the `code` keeps the reason for logs and tests.
 */
export const oauthErrors = {
  invalidRequest: (description: string, code = 'OAUTH_INVALID_REQUEST') =>
    new AppError(code, 400, description, { error: 'invalid_request' }),
  /** 401 always (the endpoints are only reachable with client authentication); Basic gets its challenge. */
  invalidClient: (code: string, basicUsed: boolean) =>
    new AppError(code, 401, 'client authentication failed', {
      error: 'invalid_client',
      challenge: basicUsed ? { scheme: 'Basic' } : {},
    }),
  invalidGrant: (code = 'OAUTH_INVALID_GRANT') => new AppError(code, 400, 'the grant is invalid, expired or revoked', { error: 'invalid_grant' }),
  unauthorizedClient: (grantType: 'client_credentials' | 'refresh_token') =>
    new AppError('OAUTH_UNAUTHORIZED_CLIENT', 400, `the client may not use the ${grantType} grant`, { error: 'unauthorized_client' }),
  /** RFC 7009 §2.1: a revocation of a token issued to another client is refused, and the client told so. */
  notTokenOwner: () =>
    new AppError('OAUTH_REVOKE_NOT_OWNER', 400, 'the token was not issued to this client', { error: 'unauthorized_client' }),
  unsupportedGrantType: () =>
    new AppError('OAUTH_UNSUPPORTED_GRANT_TYPE', 400, 'grant_type must be authorization_code, client_credentials, refresh_token or urn:ietf:params:oauth:grant-type:token-exchange', { error: 'unsupported_grant_type' }),
  invalidScope: () => new AppError('OAUTH_INVALID_SCOPE', 400, 'the requested scope is not allowed for this client', { error: 'invalid_scope' }),
  /** RFC 8707 §2: the error for a resource (audience) the client may not ask for. */
  invalidTarget: () => new AppError('OAUTH_INVALID_TARGET', 400, 'the requested audience is not allowed for this client', { error: 'invalid_target' }),
};
