import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { itWithKongData, kongDataPath } from '../helpers/kong-data.js';
import { REPO_ROOT } from '../helpers/paths.js';

// The committed CLI bundle through bin/kong-upgrade.js, as an operator runs it after a clone.
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/kong-upgrade.js'), ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('kong-upgrade plan', () => {
  it('prints the documented JSON shape with --format json', () => {
    const run = cli('plan', '--from', '2.8.4', '--to', '3.4.2', '--offline', '--format', 'json');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({ schema: 'kong-upgrade/plan@1', from: '2.8.4', to: '3.4.2', source: { mode: 'offline' } });
    expect(plan.hops).toEqual([expect.objectContaining({ from: '2.8.4', to: '3.4.2' })]);
    // Unknown values are null, never missing: the keys are the contract.
    expect(plan.releases[0]).toEqual({ version: '2.8.5', date: null, entries: [] });
    for (const release of plan.releases) expect(Object.keys(release).sort()).toEqual(['date', 'entries', 'version']);
    expect(Object.keys(plan.hops[0]).sort()).toEqual(
      ['deckConvert', 'from', 'notes', 'oldNodesAfterFinish', 'oldNodesAfterUp', 'reason', 'requiresFinish', 'rule', 'teardownMigrations', 'to'],
    );
  });

  itWithKongData(['oss/CHANGELOG.md'], 'prints entries of kinds from the fixed vocabulary when given a changelog', () => {
    const run = cli('plan', '--from', '3.8.0', '--to', '3.9.3', '--offline', '--format', 'json', '--changelog-file', kongDataPath('oss/CHANGELOG.md'));
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { releases: { version: string; entries: { kind: string; scope: string; text: string }[] }[] };
    const kinds = new Set(plan.releases.flatMap((r) => r.entries.map((e) => e.kind)));
    expect([...kinds].every((k) => ['breaking', 'deprecation', 'feature', 'fix', 'dependency', 'performance', 'known-issue', 'other'].includes(k))).toBe(true);
    expect(plan.releases.map((r) => r.version)).toEqual(['3.8.1', '3.9.0', '3.9.1', '3.9.2', '3.9.3']);
  });

  it('prints a readable text plan for Enterprise 2.8.4.0 → 3.10.0.2', () => {
    const run = cli('plan', '--from', '2.8.4.0', '--to', '3.10.0.2', '--offline');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Kong Enterprise upgrade plan: 2.8.4.0 -> 3.10.0.2');
    expect(run.stdout).toMatch(/Hops \(2\):\n {2}1\. 2\.8\.4\.0 -> 3\.4\.3\.\d+/);
    expect(run.stdout).toContain('kong.conf changes: not available');
  });

  it('exits non-zero with one line on bad input', () => {
    const run = cli('plan', '--from', '2.8.4', '--to', 'three', '--offline');
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^kong-upgrade: input 'to': /);
    expect(run.stdout).toBe('');
  });

  it('takes --declarative-consumer and --kong-env, and prints what it read', () => {
    const configs = path.join(REPO_ROOT, 'test/fixtures/configs');
    const file = path.join(configs, 'dbless-2.1-plain.yml');
    const deck = cli('plan', '--from', '2.8.4', '--to', '3.4.2', '--offline', '--declarative-config', file, '--declarative-consumer', 'deck');
    expect(deck.code).toBe(0);
    expect(deck.stdout).toContain(`${file} (2.1, decK): 2 services, 2 routes, 0 regex paths; plugins: acl, cors, key-auth`);
    expect(deck.stdout).toContain('[error] decK refuses this file against Kong 3.x: format 2.1');
    const dbless = cli('plan', '--from', '2.8.4', '--to', '3.4.2', '--offline', '--declarative-config', file, '--kong-env', path.join(configs, 'helm-values.yaml'), '--format', 'json');
    expect(dbless.code).toBe(0);
    const plan = JSON.parse(dbless.stdout);
    expect(plan.inspected.declarative[0]).toMatchObject({ consumer: 'db-less', consumerReason: 'kong.conf or kong-env sets database = off' });
    expect(plan.impacts.filter((i: { where: string | null }) => i.where?.startsWith(file))).toEqual([]);
    expect(cli('plan', '--from', '2.8.4', '--to', '3.4.2', '--offline', '--declarative-consumer', 'ansible').stderr).toContain(
      "input 'declarative-consumer': \"ansible\" is not one of auto, deck, db-less, kic",
    );
  });

  it('rejects unknown flags and commands with usage errors', () => {
    expect(cli('plan', '--from', '2.8.4', '--too', '3.4.2').code).toBe(2);
    expect(cli('deploy').stderr).toContain('unknown command "deploy"');
  });
});
