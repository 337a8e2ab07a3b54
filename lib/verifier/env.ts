import { z } from 'zod';
import { envField } from '../config.js';

/**
 * The environment variables every token-verifying process reads (gateway, notes, any service
 * built on lib/verifier), so they mean the same thing everywhere.
 */
export const verifierEnvFields = {
  AUTH_ISSUER: envField.url().default('http://localhost:4000'),
  AUTH_AUDIENCE: z.string().min(1, 'must not be empty').default('api'),
  /** Internal base URL of the auth service when it differs from the public issuer (compose, k8s). */
  AUTH_URL: envField.url().optional(),
  JWKS_URI: envField.url().optional(),
};

export interface VerifierSettings {
  issuer: string;
  audience: string;
  /** Internal base URL of the auth service (default: the issuer). */
  authUrl: string;
  jwksUri: string;
}

/** Applies the defaults that depend on other variables: AUTH_URL from AUTH_ISSUER, JWKS_URI from AUTH_URL. */
export function toVerifierSettings(env: { AUTH_ISSUER: string; AUTH_AUDIENCE: string; AUTH_URL?: string | undefined; JWKS_URI?: string | undefined }): VerifierSettings {
  const authUrl = (env.AUTH_URL ?? env.AUTH_ISSUER).replace(/\/+$/, '');
  return {
    // Compared byte for byte with iss; the auth service drops a trailing slash the same way.
    issuer: env.AUTH_ISSUER.replace(/\/+$/, ''),
    audience: env.AUTH_AUDIENCE,
    authUrl,
    jwksUri: env.JWKS_URI ?? `${authUrl}/.well-known/jwks.json`,
  };
}
