import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * A fresh directory under the OS temp dir for each test of the enclosing `describe` (or file),
 * removed after it, whatever the test left there. Read `.path` inside a test or a hook.
 */
export function tempDirPerTest(prefix: string): { readonly path: string } {
  let current: string | undefined;
  beforeEach(async () => {
    current = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (current !== undefined) await rm(current, { recursive: true, force: true });
    current = undefined;
  });
  return {
    get path(): string {
      if (current === undefined) throw new Error('tempDirPerTest: read .path inside a test or a hook');
      return current;
    },
  };
}
