import { z } from 'zod';
import { invalidRequest } from '../errors.js';

/**
 * Parses a request body with a zod object schema; the first problem becomes 400 invalid_request
 * whose description starts with the field's name ("email: must be a string"). A field that is
 * absent "is required"; one present with the wrong type says which type was expected. Values
 * never appear. Shared by every service, so the same mistake reads the same everywhere.
 */
export function parseBodyFields<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  // zod 4 leaves `issue.input` out unless asked; it is what tells a missing field (undefined)
  // from one present as null, a number or a string where an array belongs.
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  throw invalidRequest(`${field}: ${issue ? describeIssue(schema, issue) : 'is invalid'}`, 'INVALID_FIELD');
}

/** The problem part of a description, for an issue from a parse with `reportInput: true`. */
export function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (issue.input === undefined) return 'is required';
  // Built from the expected type rather than zod's text, which would name the received value's type
  // in its own words ("Invalid input: expected string, received null") and never the field.
  return `must be ${typePhrase(issue.expected, schemaAt(schema, issue.path))}`;
}

const ARTICLE: Record<string, string> = { array: 'an', object: 'an', int: 'an', integer: 'an' };

function typePhrase(expected: string, schema: z.ZodType | undefined): string {
  if (expected === 'array') {
    const element = defOf(unwrap(schema))?.element as z.ZodType | undefined;
    const elementType = defOf(unwrap(element))?.type;
    if (typeof elementType === 'string' && /^[a-z]+$/.test(elementType)) return `an array of ${elementType}s`;
  }
  return `${ARTICLE[expected] ?? 'a'} ${expected}`;
}

/** The schema at `path` inside object and array schemas, or undefined where it cannot tell. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    const def = defOf(unwrap(current));
    if (def?.type === 'object') current = (def.shape as Record<string, z.ZodType>)[String(key)];
    else if (def?.type === 'array') current = def.element as z.ZodType;
    else return undefined;
  }
  return current;
}

/** Through optional, nullable, default and pipe wrappers to the schema that says the type. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    const def = defOf(current);
    const inner = (def?.innerType ?? (def?.type === 'pipe' ? def.in : undefined)) as z.ZodType | undefined;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

function defOf(schema: z.ZodType | undefined): Record<string, unknown> | undefined {
  return schema?._zod.def as Record<string, unknown> | undefined;
}

/** A JSON string field; other types are refused naming the field. */
export const stringField = () => z.string({ error: 'must be a string' });
