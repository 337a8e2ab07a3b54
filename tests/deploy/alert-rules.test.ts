import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hasCommand } from './commands.js';
import { asPromQL, alertRuleGroups, dashboard } from './monitoring.js';

/**
 * The PrometheusRule's alerts through Prometheus' own tool: `promtool check rules` (syntax, PromQL,
 * templates) and `promtool test rules` on the cases in alert-rules.promtool.yaml (each alert fires
 * when it should, with the labels and text an on-call person reads, and stays quiet otherwise).
 * Under CI a missing promtool is a failure (.ci/run installs Debian's prometheus package).
 */
function promtoolAvailable(): boolean {
  if (hasCommand('promtool')) return true;
  if (process.env.CI) throw new Error('CI is set but promtool is not on PATH (apt-get install prometheus)');
  console.warn('[skip] alert rule tests: no promtool on PATH (apt-get install prometheus)');
  return false;
}

const CASES = path.join(import.meta.dirname, 'alert-rules.promtool.yaml');
const scratch = mkdtempSync(path.join(tmpdir(), 'alert-rules-'));

/** Writes `rules` as rules.yaml beside a copy of the test cases; returns that directory. */
function ruleDir(name: string, rules: unknown): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'rules.yaml'), stringify(rules));
  copyFileSync(CASES, path.join(dir, 'cases.yaml'));
  return dir;
}

function promtool(dir: string, ...args: string[]) {
  const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.runIf(promtoolAvailable())('alert rules (promtool)', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('when promtool checks the PrometheusRule spec, then every rule parses', () => {
    const result = promtool(ruleDir('check', alertRuleGroups()), 'check', 'rules', 'rules.yaml');
    expect(result.output).toMatch(/SUCCESS: 8 rules found/);
    expect(result.code, result.output).toBe(0);
  });

  it('when promtool runs the alert unit tests, then every case passes', () => {
    const result = promtool(ruleDir('test', alertRuleGroups()), 'test', 'rules', 'cases.yaml');
    expect(result.code, result.output).toBe(0);
  });

  it('when a threshold is weakened, then the unit tests catch it (the cases have teeth)', () => {
    const weakened = alertRuleGroups();
    const rule = weakened.groups.flatMap((g) => g.rules).find((r) => r.alert === 'AuthgateHigh5xxRatio')!;
    rule.expr = rule.expr.replace('> 0.05', '> 0.5');
    const result = promtool(ruleDir('weakened', weakened), 'test', 'rules', 'cases.yaml');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/AuthgateHigh5xxRatio/);
  });

  it('when the dashboard queries run, then each one is valid PromQL (checked as recording rules)', () => {
    const rules = dashboard()
      .panels.flatMap((p) => p.targets ?? [])
      .map((target, i) => ({ record: `authgate:dashboard_query_${i}`, expr: asPromQL(target.expr) }));
    expect(rules.length).toBeGreaterThan(10);
    const result = promtool(ruleDir('dashboard', { groups: [{ name: 'dashboard', rules }] }), 'check', 'rules', 'rules.yaml');
    expect(result.code, result.output).toBe(0);
  });
});
