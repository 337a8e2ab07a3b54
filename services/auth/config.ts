import path from 'node:path';
import { z } from 'zod';
import { envField, loadConfig, type Env } from '../../lib/config.js';
import { trustedProxiesField } from '../../lib/http/client-address.js';
import { allowedOriginsField, loopbackOrigins } from '../../lib/http/csrf.js';
import { checkRedisEnv, redisEnvFields, toRedisSettings } from '../../lib/redis/env.js';
import { mailEnvFields, publicUrlOf } from './mail-env.js';

/** Space-separated OAuth scope tokens (RFC 6749 §3.3: printable ASCII except space, quote, backslash). */
const scopeList = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must be space-separated scope names');

/**
 * AUTH_MFA_ENCRYPTION_KEY: comma-separated base64url keys of 32 bytes (`openssl rand -base64 32`
 * works too), the first encrypting and every one decrypting, so a key is rotated by putting a new
 * one first (docs/second-factors.md).
 */
const mfaKeyList = z
  .string()
  .transform((value) => value.split(',').map((key) => key.trim()).filter(Boolean))
  .refine((keys) => keys.length > 0, 'must list at least one key')
  .transform((keys) => keys.map((key) => Buffer.from(key, key.includes('+') || key.includes('/') ? 'base64' : 'base64url')))
  .refine((keys) => keys.every((key) => key.length === 32), 'each key must be 32 bytes, base64 or base64url (e.g. `openssl rand -base64 32`)');

/**
 * Seconds from a key rotation until the new key signs, by default. Equals the JWKS Cache-Control
 * max-age (300 s), so a verifier honouring it has the new key before it signs. Shared with the
 * offline `keys rotate` CLI, so both ways of rotating wait the same time.
 */
export const DEFAULT_KEY_PUBLISH_DELAY_SECONDS = 300;

const count = (fallback: number) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be a positive number').default(fallback);

/**
 * The auth service's environment. Every variable has a default that runs the embedded stack on a
 * laptop; containers override HOST, the stores and the key file.
 */
export const authConfigSchema = z
  .object({
    AUTH_PORT: envField.port(4000),
    /** Bind address; 127.0.0.1 keeps a dev box private, containers set 0.0.0.0. */
    HOST: z.string().min(1).default('127.0.0.1'),
    AUTH_ISSUER: envField.url().default('http://localhost:4000'),
    AUTH_AUDIENCE: z.string().min(1).default('api'),
    /** At most a day: a revoked token's denial is kept (and sent to every verifier) that long. */
    ACCESS_TOKEN_TTL: envField.seconds(900, { max: 86_400 }),
    /** At most a year; each rotation starts a new lifetime. */
    REFRESH_TOKEN_TTL: envField.seconds(1_209_600, { max: 31_536_000 }),
    /** Window in which a retried refresh gets the same successor instead of tripping reuse detection. */
    REFRESH_REUSE_GRACE_SECONDS: envField.seconds(5, { min: 0, max: 60 }),
    AUTH_ADMIN_TOKEN: envField.secret().optional(),
    /** Bearer of GET /internal/revocations, the feed verifiers read when there is no Redis; off when unset. */
    REVOCATION_FEED_TOKEN: envField.secret().optional(),
    /**
     * Key material for the HMAC-SHA-256 that stores client secrets. Set it (the same value on every
     * replica) when replicas share clients in MongoDB; unset, a random key is kept in AUTH_DATA_DIR.
     */
    AUTH_CLIENT_SECRET_KEY: envField.secret().optional(),
    /** Keys that encrypt TOTP secrets at rest and seal mfa_tokens; unset: one generated under AUTH_DATA_DIR. */
    AUTH_MFA_ENCRYPTION_KEY: mfaKeyList.optional(),
    /** YAML or JSON file of OAuth clients upserted at every start (compose, Kubernetes); optional. */
    AUTH_CLIENTS_FILE: z.string().min(1).optional(),
    AUTH_ROLES_FILE: z.string().min(1).optional(),
    /** Seconds between POST /admin/keys/rotate and the new key signing (DEFAULT_KEY_PUBLISH_DELAY_SECONDS). */
    KEY_PUBLISH_DELAY_SECONDS: envField.seconds(DEFAULT_KEY_PUBLISH_DELAY_SECONDS, { min: 0, max: 86_400 }),
    /**
     * Seconds between checks of AUTH_SIGNING_KEY_FILE for a new key set, so every replica picks up a
     * rotation made by another replica or an updated Secret without a restart.
     */
    KEY_FILE_POLL_SECONDS: envField.seconds(10, { max: 3_600 }),
    LOG_LEVEL: envField.logLevel(),
    AUTH_DATA_DIR: z.string().min(1).default('.data'),
    /** Defaults to `${AUTH_DATA_DIR}/signing-keys.json`; point it at a mounted Secret in production. */
    AUTH_SIGNING_KEY_FILE: z.string().min(1).optional(),
    MONGODB_URI: envField.mongoUrl().optional(),
    ...redisEnvFields,
    LOGIN_MAX_FAILURES: count(10),
    /** Per client IP the bar is higher: many people may share one address. */
    LOGIN_MAX_FAILURES_PER_IP: count(100),
    LOGIN_FAILURE_WINDOW: envField.seconds(900, { max: 86_400 }),
    /** Registration attempts per client IP per LOGIN_FAILURE_WINDOW: each 409 says a name exists. */
    REGISTRATION_MAX_PER_IP: count(20),
    DEFAULT_USER_SCOPES: scopeList.default('notes:read notes:write reports:read'),
    /** client_id carried by tokens of the first-party user API (/auth/*). */
    FIRST_PARTY_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -').default('first-party'),
    /** `Secure` on the browser-session cookies; `false` only for plain-http setups (docs/browser-sessions.md). */
    COOKIE_SECURE: envField.boolean(true),
    /** Origins whose pages may use the browser session: the gateway's public origin(s), as browsers send them in Origin. */
    ALLOWED_ORIGINS: allowedOriginsField().default(loopbackOrigins(8080)),
    /** The gateway's TRUSTED_PROXIES, so the per-IP login limit counts the same client address (docs/gateway.md, "Gateway edge"). */
    TRUSTED_PROXIES: trustedProxiesField(),
    ...mailEnvFields,
    /** Seconds a password-reset link works (docs/accounts.md). */
    PASSWORD_RESET_TTL: envField.seconds(1_800, { max: 86_400 }),
    /** Seconds the set-password link of an operator's invitation works (POST /admin/users without a password; docs/operations.md). */
    INVITATION_TTL: envField.seconds(604_800, { max: 2_592_000 }),
    /** Seconds an e-mail verification link works. */
    EMAIL_VERIFICATION_TTL: envField.seconds(86_400, { max: 604_800 }),
    /** `true`: login is refused with 403 email_not_verified until the account's address is verified. */
    EMAIL_VERIFICATION_REQUIRED: envField.boolean(false),
    /** Password-reset (and verification resend) requests per account per LOGIN_FAILURE_WINDOW before 429. */
    PASSWORD_RESET_MAX_PER_ACCOUNT: count(5),
    /** Password-reset requests per client IP per LOGIN_FAILURE_WINDOW before 429. */
    PASSWORD_RESET_MAX_PER_IP: count(20),
    /** YAML or JSON file of upstream identity providers people may sign in with (docs/federation.md); optional. */
    AUTH_IDENTITY_PROVIDERS_FILE: z.string().min(1).optional(),
    /** Seconds any one call to an upstream provider (discovery, token, userinfo, JWKS) may take before the sign-in fails. */
    AUTH_IDENTITY_PROVIDER_TIMEOUT_SECONDS: envField.seconds(10, { max: 60 }),
    /** Audit lines kept in memory for the console and GET /admin/audit-events; 0 keeps none. */
    AUDIT_RECENT_EVENTS: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(100_000, 'must be at most 100000').default(500),
    /** Seconds an app's backchannel_logout_uri gets to answer a logout token before the attempt counts as failed (docs/apps.md). */
    BACKCHANNEL_LOGOUT_TIMEOUT: envField.seconds(5, { max: 60 }),
    /** The WebAuthn relying party id passkeys are bound to (docs/passkeys.md); default the host of AUTH_PUBLIC_URL. */
    WEBAUTHN_RP_ID: z
      .string()
      .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'must be a lower-case domain name such as example.com (no scheme, no port)')
      .optional(),
    /** Origins passkey ceremonies may come from; default the origin of AUTH_PUBLIC_URL and ALLOWED_ORIGINS. */
    WEBAUTHN_ORIGINS: allowedOriginsField().optional(),
  })
  .superRefine(checkRedisEnv)
  .transform((env) => ({
    ...env,
    /** Where refresh families, revocations and rate limits live; undefined: in-process memory. */
    redis: toRedisSettings(env),
    // An issuer is compared byte for byte by verifiers; a trailing slash would make two issuers.
    AUTH_ISSUER: env.AUTH_ISSUER.replace(/\/+$/, ''),
    AUTH_SIGNING_KEY_FILE: env.AUTH_SIGNING_KEY_FILE ?? path.join(env.AUTH_DATA_DIR, 'signing-keys.json'),
    AUTH_PUBLIC_URL: publicUrlOf(env),
    webauthn: relyingPartyOf(env),
  }));

/** WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS with their defaults, from the public URL the users reach. */
function relyingPartyOf(env: { WEBAUTHN_RP_ID?: string | undefined; WEBAUTHN_ORIGINS?: ReadonlySet<string> | undefined; ALLOWED_ORIGINS: ReadonlySet<string>; AUTH_PUBLIC_URL?: string | undefined; AUTH_ISSUER: string }) {
  const publicUrl = new URL(publicUrlOf(env));
  return {
    rpId: env.WEBAUTHN_RP_ID ?? publicUrl.hostname,
    origins: [...(env.WEBAUTHN_ORIGINS ?? new Set([publicUrl.origin, ...env.ALLOWED_ORIGINS]))],
  };
}

export type AuthConfig = z.output<typeof authConfigSchema>;

/** Validates the environment once at start; throws ConfigError naming the first bad variable. */
export function loadAuthConfig(env: Env = process.env): AuthConfig {
  return loadConfig(authConfigSchema, env);
}
