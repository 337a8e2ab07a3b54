import { AppError } from '../../../../lib/errors.js';

/** Refusals of federated sign-in; the HTTP layer shows them as a page (browser) or the JSON error body. */
export const federationErrors = {
  unknownProvider: () => new AppError('FEDERATION_PROVIDER_UNKNOWN', 404, 'no identity provider of that id is configured', { error: 'not_found' }),
  badReturnTo: () => new AppError('FEDERATION_RETURN_TO', 400, 'return_to: must be a page of this service or a registered redirect URI', { error: 'invalid_request' }),
  /** Missing, unknown, spent or expired state, or a callback in another browser than the start. */
  badState: () => new AppError('FEDERATION_STATE', 400, 'this sign-in has expired, was already used or was started in another browser', { error: 'invalid_request' }),
  upstreamRefused: (provider: string) => new AppError('FEDERATION_UPSTREAM_REFUSED', 400, `${provider} did not sign you in (cancelled or refused)`, { error: 'access_denied' }),
  upstreamInvalid: (provider: string) => new AppError('FEDERATION_UPSTREAM_INVALID', 400, `the answer of ${provider} failed its checks`, { error: 'invalid_request' }),
  upstreamUnreachable: (provider: string) => new AppError('FEDERATION_UPSTREAM_UNREACHABLE', 504, `${provider} did not answer in time`, { error: 'temporarily_unavailable' }),
  missingClaim: (provider: string, claim: string) => new AppError('FEDERATION_CLAIM_MISSING', 400, `${provider} did not send the ${claim} claim`, { error: 'invalid_request' }),
  accountUnavailable: () => new AppError('FEDERATION_ACCOUNT_UNAVAILABLE', 403, 'the account linked to this identity cannot sign in', { error: 'access_denied' }),
  identityTaken: () => new AppError('FEDERATION_IDENTITY_TAKEN', 409, 'this identity is already linked to an account', { error: 'identity_taken' }),
  lastSignInMethod: () => new AppError('FEDERATION_LAST_SIGN_IN_METHOD', 409, 'this is the only way to sign in to the account: it cannot be removed', { error: 'last_sign_in_method' }),
  linkUnknown: () => new AppError('FEDERATION_LINK_UNKNOWN', 404, 'no linked identity of that id', { error: 'not_found' }),
  badLogoutToken: () => new AppError('FEDERATION_LOGOUT_TOKEN', 400, 'logout_token: invalid', { error: 'invalid_request' }),
};
