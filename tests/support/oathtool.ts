import { execFileSync, spawnSync } from 'node:child_process';

/**
 * TOTP codes from an independent implementation: Debian's `oathtool` (package oathtool). Where it
 * is missing the suites that need it are skipped with a message, except under CI (.ci/run installs
 * it), where that is a failure.
 */
export function oathtoolAvailable(): boolean {
  if (spawnSync('sh', ['-c', 'command -v oathtool'], { stdio: 'ignore' }).status === 0) return true;
  if (process.env.CI) throw new Error('CI is set but oathtool is not on PATH (apt-get install oathtool)');
  console.warn('[skip] TOTP tests: no oathtool on PATH (apt-get install oathtool)');
  return false;
}

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at `atMs` (epoch ms), as oathtool computes it. */
export function oathtoolCode(base32Secret: string, atMs: number): string {
  return execFileSync('oathtool', ['--totp', '-b', '-N', `@${Math.floor(atMs / 1000)}`, base32Secret], { encoding: 'utf8' }).trim();
}
