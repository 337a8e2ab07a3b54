import { z } from 'zod';
import { parseBodyFields } from '../../../lib/http/body-fields.js';

/**
 * Parses `body` with a zod object schema; the first problem becomes 400 invalid_request whose
 * description starts with the field's name: "password: is required" when it is absent,
 * "email: must be a string" when it has the wrong type. Values never appear.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseBodyFields(schema, body);
}

/** A JSON string field; other types are refused naming the field. */
export const stringField = () => z.string({ error: 'must be a string' });
