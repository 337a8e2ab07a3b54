import { spawnSync } from 'node:child_process';

/** Whether an executable is on PATH (docker-compose, kubectl): tools CI installs but laptops may lack. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}
