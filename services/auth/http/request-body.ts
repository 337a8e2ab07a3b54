import { z } from 'zod';
import { invalidRequest } from '../../../lib/errors.js';

/**
 * Parses `body` with a zod object schema; the first problem becomes 400 invalid_request whose
 * description starts with the field's name ("password: must be a string"). Values never appear.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  const problem = issue?.code === 'invalid_type' && issue.input === undefined ? 'is required' : (issue?.message ?? 'is invalid');
  throw invalidRequest(`${field}: ${problem}`, 'INVALID_FIELD');
}

/** A JSON string field; other types are refused naming the field. */
export const stringField = () => z.string({ error: 'must be a string' });
