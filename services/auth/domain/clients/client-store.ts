/**
 * Registered OAuth 2.0 clients (RFC 6749 §2): services that authenticate to the token endpoint
 * with a secret or a signed assertion, and first-party public clients that only refresh.
 * Adapters: memory (tests), embedded (NeDB file under AUTH_DATA_DIR, the default) and mongo
 * (mongoose). All run `tests/auth/contracts/client-store.contract.ts`.
 */

/** How a client proves who it is at the token endpoint (RFC 7591 §2 names). */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** Grants a client may use; public first-party clients get `refresh_token` only. */
/** RFC 8693's grant type, as `grant_types` of RFC 7591 metadata names it. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export type ClientGrantType = 'client_credentials' | 'refresh_token' | 'authorization_code' | typeof TOKEN_EXCHANGE_GRANT;

/**
 * A public JWK (RFC 7517) used to verify a client's `private_key_jwt` assertions. Only public
 * members are kept: the domain refuses keys carrying private members before they reach a store.
 */
export interface PublicJwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  key_ops?: string[];
  /** RSA modulus and exponent. */
  n?: string;
  e?: string;
  /** EC / OKP curve and coordinates. */
  crv?: string;
  x?: string;
  y?: string;
}

export interface PublicJwks {
  keys: PublicJwk[];
}

/**
 * What a client may obtain by token exchange (RFC 8693) on a user's behalf. Absent: the client may
 * not exchange at all (deny by default). Metadata name `token_exchange`.
 */
export interface TokenExchangeAllowance {
  /** Audiences it may ask for; the first is the default when the request names none. */
  audiences: string[];
  /** Scopes it may obtain, further limited to those the subject token holds. */
  scopes: string[];
}

/** What an operator configures for a client; the store adds the timestamps. */
export interface ClientConfig {
  /** Unique; compared exactly (no normalization), it becomes `client_id` and `sub` of tokens. */
  clientId: string;
  /** Keyed hash of the client secret (`$hmac-sha256$...`, or an argon2id PHC string from before); never the secret. Absent for jwks-only and public clients. */
  secretHash?: string;
  /** Public keys for `private_key_jwt`; absent when the client authenticates otherwise. */
  jwks?: PublicJwks;
  /** The methods the token endpoint accepts for this client; `['none']` marks a public client. */
  tokenEndpointAuthMethods: TokenEndpointAuthMethod[];
  /** Scopes the client may be granted; a request for anything else is `invalid_scope`. */
  scopes: string[];
  /** Audiences the client may ask for; empty means only the issuer's default audience (AUTH_AUDIENCE). */
  audiences: string[];
  grantTypes: ClientGrantType[];
  /** RFC 7591 `client_name`: what the login and consent pages call the app. */
  clientName?: string;
  /** RFC 7591 `redirect_uris`, compared by exact string match; needed for authorization_code. */
  redirectUris?: string[];
  /** OIDC RP-Initiated Logout `post_logout_redirect_uris`: the only places logout redirects to. */
  postLogoutRedirectUris?: string[];
  /** OIDC Back-Channel Logout `backchannel_logout_uri`: where logout tokens are POSTed. */
  backchannelLogoutUri?: string;
  /** `backchannel_logout_session_required`: the app needs `sid` in logout tokens (always sent here). */
  backchannelLogoutSessionRequired?: boolean;
  /** A first-party app skips the consent page; a third-party one (false, the default) shows it. */
  firstParty?: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: the token endpoint must get a DPoP proof. */
  dpopBoundAccessTokens?: boolean;
  /** Token exchange allowance; absent means the client may not exchange tokens. */
  tokenExchange?: TokenExchangeAllowance;
}

/** The optional configuration members an upsert removes when they are absent. */
export const OPTIONAL_CLIENT_FIELDS = ['secretHash', 'jwks', 'clientName', 'redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'backchannelLogoutSessionRequired', 'firstParty', 'dpopBoundAccessTokens', 'tokenExchange'] as const;

/** A stored client. */
export interface ClientRecord extends ClientConfig {
  createdAt: Date;
  /** Last change of configuration or state (upsert, disable). */
  updatedAt: Date;
  /** When the client was disabled, or null while it is enabled. A disabled client gets no new tokens. */
  disabledAt: Date | null;
}

export interface UpsertClientResult {
  client: ClientRecord;
  /** True when no client with this id existed before the call. */
  created: boolean;
}

/**
 * Where clients live. Records are returned whole, `secretHash` included, because the token
 * endpoint needs it to verify a secret: stripping secrets for display (admin list, logs) is the
 * job of the layer that shows them. Every returned record is a copy: changing it changes nothing
 * stored.
 */
export interface ClientStore {
  /**
   * Inserts a new, enabled client with createdAt = updatedAt = now. Uniqueness of `clientId` is
   * enforced by the store itself (unique index), never by a check-then-insert, so of concurrent
   * creates of one id exactly one succeeds; the others reject with `authErrors.clientExists()`.
   */
  create(client: ClientConfig): Promise<ClientRecord>;
  /**
   * Creates the client, or replaces the configuration of the existing one with the same id, in
   * one atomic step per client (used to apply AUTH_CLIENTS_FILE at every start, possibly by
   * several replicas at once). Replacing means every `ClientConfig` field takes the given value,
   * and optional fields that are absent (`OPTIONAL_CLIENT_FIELDS`) are removed. `createdAt` is kept;
   * `updatedAt` becomes now; `disabledAt` is kept, so restarting never re-enables a client an
   * operator disabled (delete it to start over).
   */
  upsert(client: ClientConfig): Promise<UpsertClientResult>;
  /** Resolves null for an unknown id; disabled clients are returned (check `disabledAt`). */
  findById(clientId: string): Promise<ClientRecord | null>;
  /** Every client, disabled ones included, ordered by `clientId`. Records include `secretHash`. */
  list(): Promise<ClientRecord[]>;
  /**
   * Sets `disabledAt` (and `updatedAt`) to now if the client is enabled. Idempotent: disabling a
   * disabled client keeps its first `disabledAt`. Resolves true if the client exists, false if not.
   */
  disable(clientId: string): Promise<boolean>;
  /** Removes the client. Resolves true if it existed, false for an unknown id. */
  delete(clientId: string): Promise<boolean>;
  /** Resolves when the backing store answers; rejects otherwise (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where adapters read the time; tests pass a controlled clock. */
export type Clock = () => Date;
