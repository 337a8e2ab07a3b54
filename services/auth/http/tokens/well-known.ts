import { Router, type RequestHandler } from 'express';
import type { SigningKeySet } from '../../domain/tokens/signing-key-set.js';
import { SIGNING_ALGORITHM } from '../../domain/tokens/signing-key-set.js';
import { DPOP_ALGORITHMS } from '../../../../lib/verifier/dpop.js';
import { ACR_MFA, ACR_PASSWORD } from '../../../../lib/verifier/step-up.js';

/** Short enough that verifiers pick up a rotated key well within the rotation publish delay. */
const JWKS_MAX_AGE_SECONDS = 300;
const DISCOVERY_MAX_AGE_SECONDS = 300;

export interface DiscoveryOptions {
  issuer: string;
  scopes: string[];
  /** Grant types the token endpoint accepts. */
  grantTypes: string[];
  /** Client authentication methods the token, introspection and revocation endpoints accept. */
  tokenEndpointAuthMethods: string[];
  /** Algorithms accepted for private_key_jwt assertions (RFC 8414 §2). */
  tokenEndpointAuthSigningAlgorithms?: string[];
  /** POST /oauth/register is served (the admin token is set). */
  registration?: boolean;
}

/**
 * RFC 8414 / OpenID Connect Discovery metadata. Endpoint URLs are built from the issuer, so they
 * are what clients outside the cluster should call, whatever host this request came in on.
 */
export function discoveryDocument({ issuer, scopes, grantTypes, tokenEndpointAuthMethods, tokenEndpointAuthSigningAlgorithms = [], registration = false }: DiscoveryOptions) {
  const confidentialMethods = tokenEndpointAuthMethods.filter((method) => method !== 'none');
  const signing = tokenEndpointAuthMethods.includes('private_key_jwt') ? tokenEndpointAuthSigningAlgorithms : [];
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/oauth/token`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    ...(registration ? { registration_endpoint: `${issuer}/oauth/register` } : {}),
    grant_types_supported: grantTypes,
    token_endpoint_auth_methods_supported: tokenEndpointAuthMethods,
    ...(signing.length > 0 ? { token_endpoint_auth_signing_alg_values_supported: signing } : {}),
    // Introspection needs a confidential client; revocation also takes a public client's client_id.
    introspection_endpoint_auth_methods_supported: confidentialMethods,
    ...(signing.length > 0 ? { introspection_endpoint_auth_signing_alg_values_supported: signing } : {}),
    revocation_endpoint_auth_methods_supported: tokenEndpointAuthMethods,
    ...(signing.length > 0 ? { revocation_endpoint_auth_signing_alg_values_supported: signing } : {}),
    scopes_supported: scopes,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    // OIDC Back-Channel Logout 1.0 §2.1: every ended session reaches the apps that took part, with its sid.
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'consent'],
    // OIDC Discovery §3; `acr_values=urn:authgate:acr:mfa` asks for a second factor (RFC 9470 step-up).
    acr_values_supported: [ACR_PASSWORD, ACR_MFA],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'acr', 'nonce', 'sid', 'preferred_username', 'email', 'email_verified'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    // RFC 9449 §5.1: proofs are accepted at the token endpoint and by every verifier with these.
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
  };
}

/** Discovery at both well-known paths, and the public JWKS. */
export function wellKnownRoutes(keys: SigningKeySet, discovery: DiscoveryOptions): Router {
  const router = Router();
  const document = discoveryDocument(discovery);
  const sendDiscovery: RequestHandler = (_req, res) => {
    res.set('Cache-Control', `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`).json(document);
  };
  router.get('/.well-known/openid-configuration', sendDiscovery);
  router.get('/.well-known/oauth-authorization-server', sendDiscovery);
  router.get('/.well-known/jwks.json', (_req, res) => {
    res
      .set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
      .type('application/jwk-set+json')
      .send(JSON.stringify(keys.publicJwks()));
  });
  return router;
}
