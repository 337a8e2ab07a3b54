import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { passkeyErrors } from './passkey-errors.js';

/**
 * The JSON forms of WebAuthn Level 3 (§5.1, `toJSON()`): what a browser's `credential.toJSON()`
 * and @simplewebauthn/browser send. Checked here, before any ceremony, so garbage is a 400 naming
 * the field and never reaches the verifier (nor a store).
 */
const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

const common = {
  id: base64url(1_400),
  rawId: base64url(1_400),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

const registrationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4_096),
    attestationObject: base64url(65_536),
    transports: z.array(z.enum(TRANSPORTS)).max(8).optional(),
  }),
});

const authenticationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4_096),
    authenticatorData: base64url(4_096),
    signature: base64url(1_024),
    userHandle: base64url(128).optional(),
  }),
});

function parsed<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw passkeyErrors.malformed([field, ...(issue?.path ?? [])].join('.'), issue?.message ?? 'is invalid');
}

export function registrationResponse(value: unknown, field = 'response'): RegistrationResponseJSON {
  return parsed(registrationSchema, value, field) as RegistrationResponseJSON;
}

export function authenticationResponse(value: unknown, field = 'response'): AuthenticationResponseJSON {
  return parsed(authenticationSchema, value, field) as AuthenticationResponseJSON;
}

const clientDataSchema = z.object({ challenge: base64url(128), type: z.string() });

/** The challenge the browser signed over (clientDataJSON.challenge): the key of the stored ceremony. */
export function signedChallenge(response: { response: { clientDataJSON: string } }, field = 'response'): string {
  let clientData: unknown;
  try {
    clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    throw passkeyErrors.malformed(`${field}.response.clientDataJSON`, 'is not base64url JSON');
  }
  return parsed(clientDataSchema, clientData, `${field}.response.clientDataJSON`).challenge;
}
