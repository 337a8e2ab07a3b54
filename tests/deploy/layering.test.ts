import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const depcruise = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = path.join(root, '.dependency-cruiser.cjs');
const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The rule violations dependency-cruiser finds under `cwd` with the repository's layering rules. */
function violationsIn(cwd: string, folders: string[]): Promise<Violation[]> {
  return new Promise((resolve, reject) => {
    const args = [depcruise, ...folders, '--config', config, '--output-type', 'json'];
    // Exit status is the number of errors; the JSON report is on stdout either way.
    execFile(process.execPath, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      try {
        resolve((JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations);
      } catch {
        reject(err ?? new Error(`dependency-cruiser printed no report: ${stderr}`));
      }
    });
  });
}

const listed = (violations: Violation[]) => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

/** A throwaway tree laid out like the repository, for proving the rules bite. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-layering-'));
  fixtures.push(dir);
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('layering (.dependency-cruiser.cjs)', () => {
  it('when the repository is cruised, then no import breaks the direction of the layers', async () => {
    expect(listed(await violationsIn(root, ['lib', 'gateway', 'services', 'scripts']))).toEqual([]);
  }, 180_000);

  it('when an import breaks a rule, then the cruise lists it by rule (verifier core, folder cycle, lib into a service, domain, services apart)', async () => {
    const dir = fixture({
      'lib/verifier/core.ts': "import { render } from '../http/render.js';\nimport type { Request } from 'express';\nexport const core = (req: Request) => render(req);\n",
      'lib/http/render.ts': "import { core } from '../verifier/core.js';\nexport const render = (x: unknown) => [x, core];\n",
      'lib/helper.ts': "import { route } from '../services/notes/http/route.js';\nexport const helper = route;\n",
      'services/notes/http/route.ts': 'export const route = 1;\n',
      'services/notes/domain/notes.ts': "import { route } from '../http/route.js';\nimport mongoose from 'mongoose';\nexport const notes = [route, mongoose];\n",
      'services/reports/domain/reports.ts': "import { route } from '../../notes/http/route.js';\nexport const reports = route;\n",
    });
    const rules = new Set((await violationsIn(dir, ['lib', 'services'])).map((v) => v.rule.name));
    expect([...rules].sort()).toEqual([
      'domain-not-into-http-or-adapters',
      'domain-without-frameworks',
      'lib-not-into-services',
      'no-folder-cycles-in-lib',
      'no-module-cycles',
      'services-apart',
      'verifier-core-self-contained',
    ]);
  }, 180_000);
});
