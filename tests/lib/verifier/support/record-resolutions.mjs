// Registers a module resolve hook (`node --import` this file) that appends every URL the process
// resolves to the file named by RECORD_RESOLUTIONS_TO: which modules an import pulled in, ESM
// and the CommonJS packages ESM imports alike. Used by entry-isolation.test.ts.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    const target = process.env.RECORD_RESOLUTIONS_TO;
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(target, resolved.url + '\\n');
      return resolved;
    }
  `)}`,
);
