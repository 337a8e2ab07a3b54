import { z } from 'zod';
import { authConfigSchema } from '../../services/auth/config.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { notesConfigSchema } from '../../services/notes/config.js';
import { reportsConfigSchema } from '../../services/reports/config.js';

export type ProcessName = 'auth' | 'gateway' | 'notes' | 'reports';

/** The variable each process takes its port from, and that port's default. */
export const PORT_VARIABLE: Record<ProcessName, { name: string; port: number }> = {
  auth: { name: 'AUTH_PORT', port: 4000 },
  gateway: { name: 'GATEWAY_PORT', port: 8080 },
  notes: { name: 'NOTES_PORT', port: 4001 },
  reports: { name: 'REPORTS_PORT', port: 4002 },
};

/** Source of each process's entry point; the image runs its compiled twin under dist/. */
export const MAIN_SOURCE: Record<ProcessName, string> = {
  auth: 'services/auth/main.ts',
  gateway: 'gateway/main.ts',
  notes: 'services/notes/main.ts',
  reports: 'services/reports/main.ts',
};

/** Node reads these itself; setting them is never drift. */
export const RUNTIME_VARIABLES = new Set(['NODE_ENV', 'NODE_OPTIONS', 'TZ']);

/** Each process's config schema, as its main loads it. */
export const CONFIG_SCHEMAS: Record<ProcessName, z.ZodType> = {
  auth: authConfigSchema,
  gateway: gatewayConfigSchema,
  notes: notesConfigSchema,
  reports: reportsConfigSchema,
};

/** The environment variable names a schema reads: the keys of its object, under any transform. */
export function envNames(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return envNames(schema.in as z.ZodType);
  throw new Error('a config schema must be a z.object, optionally followed by .transform()');
}
