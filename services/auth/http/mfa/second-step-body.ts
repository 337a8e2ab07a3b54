import { z } from 'zod';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';

/**
 * The body of a second step (`POST /auth/login/mfa`, `/auth/session/mfa`): `mfa_token` and the
 * proof of one factor (`code` for TOTP and recovery codes, `webauthn` for a passkey); members
 * beyond these are the factors' own and pass through to them.
 */
const secondStepBody = z.looseObject({ mfa_token: stringField(), code: stringField().optional(), webauthn: z.record(z.string(), z.unknown()).optional() });

export function parseSecondStep(body: unknown): { mfaToken: string; proof: Record<string, unknown> } {
  const { mfa_token: mfaToken, ...proof } = parseBodyFields(secondStepBody, body);
  return { mfaToken, proof };
}
