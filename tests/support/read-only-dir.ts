import { execFile } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Makes `dir` a place this process really cannot write, as a read-only Secret mount is. Tests run
 * as root in CI, where chmod stops nothing, so root gets the immutable attribute (`chattr +i`:
 * EPERM even for root) and other users chmod 0500 (EACCES). A probe write proves it worked.
 * Resolves the undo function, or null when neither works here (the caller skips, visibly).
 */
export async function makeReadOnly(dir: string): Promise<(() => Promise<void>) | null> {
  const asRoot = process.getuid?.() === 0;
  const undo = asRoot ? () => run('chattr', ['-i', dir]).then(() => undefined) : () => chmod(dir, 0o700);
  try {
    if (asRoot) await run('chattr', ['+i', dir]);
    else await chmod(dir, 0o500);
  } catch {
    return null;
  }
  const probe = path.join(dir, '.write-probe');
  try {
    await writeFile(probe, 'x');
  } catch {
    return undo;
  }
  await rm(probe, { force: true });
  await undo();
  return null;
}
