import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './manifests.js';

const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
const stages = instructions.filter((line) => line.startsWith('FROM '));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));
const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

describe('Dockerfile', () => {
  it('when built, then a build stage compiles and a slim Node 24 (Active LTS) stage runs the result', () => {
    expect(stages).toHaveLength(2);
    expect(stages.every((line) => /^FROM node:24-bookworm-slim\b/.test(line))).toBe(true);
    expect(instructions.join('\n')).toMatch(/RUN npm run build/);
    expect(runtime.join('\n')).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it('when the runtime stage is assembled, then dist/ comes from npm run build alone (no asset patched in by hand)', () => {
    expect(runtime.filter((line) => /^COPY .*\.\/dist\//.test(line))).toEqual([]);
  });

  it('when the image runs Node 24, then package.json engines admits both the image and CI versions (20 and 24)', () => {
    const engines = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('^20.19.0 || ^24.0.0');
  });

  it('when it runs, then it is production mode, production dependencies only, non-root, on all interfaces', () => {
    const text = runtime.join('\n');
    expect(text).toMatch(/NODE_ENV=production/);
    expect(text).toMatch(/HOST=0\.0\.0\.0/);
    expect(text).toMatch(/npm ci --omit=dev/);
    const user = runtime.filter((line) => line.startsWith('USER ')).at(-1);
    // Numeric, so Kubernetes' runAsNonRoot can check it.
    expect(user).toMatch(/^USER [1-9]\d*(:\d+)?$/);
  });

  it('when the build copies sources, then each source exists in the build context', () => {
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const source of sources) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
  });
});

describe('.dockerignore', () => {
  it.each(['.git', 'node_modules', 'dist', '.data', '*.pem', '*.key', 'deploy/secrets', '.env'])('keeps %s out of the build context', (entry) => {
    expect(ignored).toContain(entry);
  });
});
