import type { ClientRecord, ClientStore } from '../clients/client-store.js';
import { ACR_MFA } from '../../../../lib/verifier/index.js';

/** The parameters of GET /oauth/authorize (or of the login form that carries them on). */
export type RawParams = ReadonlyMap<string, readonly string[]>;

/** A valid authorization request: what the code will be bound to. */
export interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  /** Granted scope: the asked scopes the client may have (openid included when asked). */
  scopes: string[];
  prompt: Set<string>;
  /** Seconds, when asked for. */
  maxAge?: number;
  /**
   * `mfa` when `acr_values` lists urn:authgate:acr:mfa (OIDC Core §3.1.2.1, RFC 9470 §4): a
   * password-only login session is not enough. Other values are voluntary and ignored.
   */
  acr?: 'mfa';
}

/** A fault that must not be sent to the client: shown on the error page (RFC 6749 §4.1.2.1). */
export interface FatalAuthorizationError {
  kind: 'fatal';
  code: string;
  message: string;
}

/** A fault reported back to the registered redirect URI. */
export interface RedirectableAuthorizationError {
  kind: 'redirect';
  redirectUri: string;
  state?: string;
  error: string;
  description: string;
}

export type ParsedAuthorization = { kind: 'ok'; request: AuthorizationRequest } | FatalAuthorizationError | RedirectableAuthorizationError;

/** OpenID Connect scopes this server answers (userinfo claims per scope). */
export const OIDC_SCOPES = ['openid', 'profile', 'email'] as const;

/**
 * More parameters than any real authorization request carries (the hosted forms' own limit too):
 * refused as `invalid_request`, so a query of thousands of parameters does no further work.
 */
export const MAX_AUTHORIZE_PARAMETERS = 50;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PROMPTS = new Set(['none', 'login', 'consent']);
/** Parameters this server acts on; other ones are ignored, as RFC 6749 §3.1 asks. */
const SINGLE = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'acr_values'] as const;

/**
 * Validates an authorization request in the order RFC 6749 §4.1.2.1 needs: client and redirect
 * URI first (a fault there is never redirected: an unregistered URI gets nothing, ever), then
 * everything else, reported to the registered URI with `state`.
 */
export async function parseAuthorizationRequest(params: RawParams, clients: ClientStore): Promise<ParsedAuthorization> {
  const one = (name: string) => params.get(name)?.[0];
  const repeated = (name: string) => (params.get(name)?.length ?? 0) > 1;
  const fatal = (code: string, message: string): FatalAuthorizationError => ({ kind: 'fatal', code, message });

  const clientId = one('client_id');
  if (repeated('client_id')) return fatal('AUTHORIZE_PARAMETER_REPEATED', 'client_id is given more than once.');
  if (!clientId) return fatal('AUTHORIZE_CLIENT_MISSING', 'The request names no client (client_id is missing).');
  const client = await clients.findById(clientId);
  if (!client || client.disabledAt !== null || !client.grantTypes.includes('authorization_code')) {
    return fatal('AUTHORIZE_CLIENT_UNKNOWN', 'This application is not registered for sign-in here.');
  }
  if (repeated('redirect_uri')) return fatal('AUTHORIZE_PARAMETER_REPEATED', 'redirect_uri is given more than once.');
  const registered = client.redirectUris ?? [];
  const asked = one('redirect_uri');
  // OAuth 2.1 §2.3.1: optional only when exactly one URI is registered; compared exactly.
  const redirectUri = asked ?? (registered.length === 1 ? registered[0] : undefined);
  if (redirectUri === undefined) return fatal('AUTHORIZE_REDIRECT_URI_MISSING', 'The request names no redirect URI and the application has several.');
  if (!registered.includes(redirectUri)) return fatal('AUTHORIZE_REDIRECT_URI_MISMATCH', 'The redirect URI is not registered for this application.');

  const state = repeated('state') ? undefined : one('state');
  const refuse = (error: string, description: string): RedirectableAuthorizationError => ({
    kind: 'redirect',
    redirectUri,
    ...(state === undefined ? {} : { state }),
    error,
    description,
  });
  let count = 0;
  for (const values of params.values()) count += values.length;
  if (count > MAX_AUTHORIZE_PARAMETERS) return refuse('invalid_request', 'too many parameters');
  // RFC 6749 §3.1: no parameter more than once.
  const twice = SINGLE.find(repeated);
  if (twice) return refuse('invalid_request', `${twice} must not be repeated`);

  const responseType = one('response_type');
  if (!responseType) return refuse('invalid_request', 'response_type is required');
  if (responseType !== 'code') return refuse('unsupported_response_type', 'only response_type=code is supported');
  const challenge = one('code_challenge');
  if (!challenge) return refuse('invalid_request', 'code_challenge is required (PKCE S256)');
  if (one('code_challenge_method') !== 'S256') return refuse('invalid_request', 'code_challenge_method must be S256');
  if (!PKCE_CHALLENGE.test(challenge)) return refuse('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');

  const askedScopes = (one('scope') ?? '').split(' ').filter(Boolean);
  if (askedScopes.length === 0) return refuse('invalid_scope', 'scope is required');
  const unknown = askedScopes.filter((scope) => !client.scopes.includes(scope));
  if (unknown.length > 0) return refuse('invalid_scope', 'the requested scope is not allowed for this client');

  const prompt = new Set((one('prompt') ?? '').split(' ').filter(Boolean));
  if ([...prompt].some((value) => !PROMPTS.has(value))) return refuse('invalid_request', 'prompt must be none, login or consent');
  if (prompt.has('none') && prompt.size > 1) return refuse('invalid_request', 'prompt=none cannot be combined with other values');
  const maxAgeText = one('max_age');
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) return refuse('invalid_request', 'max_age must be a number of seconds');
  const acrValues = one('acr_values');
  if (acrValues !== undefined && acrValues.length > 512) return refuse('invalid_request', 'acr_values is too long');

  const nonce = one('nonce');
  if (nonce !== undefined && nonce.length > 512) return refuse('invalid_request', 'nonce is too long');
  const request: AuthorizationRequest = { client, redirectUri, codeChallenge: challenge, scopes: [...new Set(askedScopes)], prompt };
  if (state !== undefined) request.state = state;
  if (nonce !== undefined) request.nonce = nonce;
  if (maxAgeText !== undefined) request.maxAge = Number(maxAgeText);
  if (acrValues?.split(' ').includes(ACR_MFA)) request.acr = 'mfa';
  return { kind: 'ok', request };
}

/** The redirect URI with the answer's parameters added to its query (RFC 6749 §4.1.2). */
export function redirectWith(redirectUri: string, values: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(values)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}
