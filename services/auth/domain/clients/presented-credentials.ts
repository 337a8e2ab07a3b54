import { oauthErrors } from '../oauth/oauth-errors.js';

/** RFC 7523 §2.2: the only client_assertion_type this server accepts. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Longest client secret or assertion read; anything longer is refused before any hashing. */
const MAX_CREDENTIAL_LENGTH = 8192;

/**
 * What a request presented to identify its client, before anything is checked against the store.
 * `basicUsed` travels along so every refusal of a Basic attempt carries the Basic challenge.
 */
export type PresentedCredentials =
  | { method: 'client_secret_basic'; clientId: string; secret: string; basicUsed: true }
  | { method: 'client_secret_post'; clientId: string; secret: string; basicUsed: false }
  | { method: 'private_key_jwt'; clientId: string | undefined; assertion: string; basicUsed: false }
  | { method: 'none'; clientId: string; basicUsed: false };

/** Form parameters of an OAuth request, each present at most once (checked by the HTTP layer). */
export type OAuthParams = Readonly<Record<string, string | undefined>>;

/**
 * Reads the client's credentials from the Authorization header and the form (RFC 6749 §2.3,
 * RFC 7523 §2.2). Exactly one method per request: a secret or assertion in two places is 400
 * invalid_request (§2.3 "MUST NOT use more than one authentication method"). Nothing at all is 401
 * invalid_client with the Basic challenge, telling the client what it may use.
 */
export function presentedCredentials(authorization: string | undefined, params: OAuthParams): PresentedCredentials {
  const bodySecret = params.client_secret;
  const assertion = params.client_assertion;
  const assertionType = params.client_assertion_type;
  const bodyClientId = params.client_id;

  if (authorization !== undefined) {
    if (bodySecret !== undefined || assertion !== undefined) {
      throw oauthErrors.invalidRequest('use one client authentication method: the Authorization header or the body, not both', 'CLIENT_AUTH_MULTIPLE');
    }
    const basic = parseBasicAuthorization(authorization);
    if (bodyClientId !== undefined && bodyClientId !== basic.clientId) {
      throw oauthErrors.invalidRequest('client_id in the body does not match the Authorization header', 'CLIENT_ID_MISMATCH');
    }
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret, basicUsed: true };
  }

  if (assertion !== undefined || assertionType !== undefined) {
    if (bodySecret !== undefined) {
      throw oauthErrors.invalidRequest('use one client authentication method: client_secret or client_assertion, not both', 'CLIENT_AUTH_MULTIPLE');
    }
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
      throw oauthErrors.invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`, 'CLIENT_ASSERTION_TYPE');
    }
    if (assertion === undefined || assertion === '') throw oauthErrors.invalidRequest('client_assertion is required with client_assertion_type', 'CLIENT_ASSERTION_MISSING');
    if (assertion.length > MAX_CREDENTIAL_LENGTH) throw oauthErrors.invalidClient('CLIENT_ASSERTION_TOO_LARGE', false);
    return { method: 'private_key_jwt', clientId: bodyClientId, assertion, basicUsed: false };
  }

  if (bodyClientId === undefined || bodyClientId === '') {
    if (bodySecret !== undefined) throw oauthErrors.invalidRequest('client_id is required with client_secret', 'CLIENT_ID_MISSING');
    // No credentials at all: 401 with the challenge naming a scheme the client may use.
    throw oauthErrors.invalidClient('CLIENT_AUTH_MISSING', true);
  }
  if (bodySecret === undefined) return { method: 'none', clientId: bodyClientId, basicUsed: false };
  if (bodySecret.length > MAX_CREDENTIAL_LENGTH) throw oauthErrors.invalidClient('CLIENT_SECRET_TOO_LARGE', false);
  return { method: 'client_secret_post', clientId: bodyClientId, secret: bodySecret, basicUsed: false };
}

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/**
 * RFC 6749 §2.3.1 + RFC 7617: base64 of `urlencode(client_id):urlencode(client_secret)`, where the
 * encoding is application/x-www-form-urlencoded, so `%3A` is a colon inside the id or secret and
 * `+` a space. Anything else (another scheme, bad base64, no colon, bad escapes, empty id) is a
 * failed Basic attempt: 401 invalid_client with the Basic challenge.
 */
export function parseBasicAuthorization(header: string): { clientId: string; secret: string } {
  const encoded = BASIC.exec(header)?.[1];
  if (encoded === undefined || encoded.length > MAX_CREDENTIAL_LENGTH || encoded.length % 4 !== 0) {
    throw oauthErrors.invalidClient('CLIENT_BASIC_MALFORMED', true);
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw oauthErrors.invalidClient('CLIENT_BASIC_MALFORMED', true);
  const clientId = formUrlDecode(decoded.slice(0, colon));
  const secret = formUrlDecode(decoded.slice(colon + 1));
  if (clientId === null || secret === null || clientId === '') throw oauthErrors.invalidClient('CLIENT_BASIC_MALFORMED', true);
  return { clientId, secret };
}

function formUrlDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
