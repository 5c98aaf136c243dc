import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectedCommands } from '../lib/workflow-commands.js';
import type { UpgradePlan } from '../../src/changelog/plan-types.js';
import { runAction } from '../helpers/run-action.js';
import { itWithKongData, kongDataPath } from '../helpers/kong-data.js';

// The bundled dist/fetch-changelog/index.js, run the way the runner runs it.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'fetch-changelog-action-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('fetch-changelog action (dist bundle)', () => {
  itWithKongData(['oss/CHANGELOG.md'], 'plans offline and sets outputs, the plan file, the summary and an annotation per impact', async () => {
    const planFile = path.join(work, 'plan.json');
    const kongConf = path.join(work, 'kong.conf');
    await writeFile(kongConf, 'database = cassandra\n');
    const run = await runAction('fetch-changelog', {
      from: '2.8.4',
      to: '3.4.2',
      offline: 'true',
      'kong-conf': kongConf,
      'changelog-file': kongDataPath('oss/CHANGELOG.md'),
      'plan-file': planFile,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      from: '2.8.4',
      to: '3.4.2',
      hops: '[{"from":"2.8.4","to":"3.4.2"}]',
      'hop-count': '1',
      'requires-finish': 'true',
      'recommended-strategy': 'dual-cluster',
      'plan-json': planFile,
    });
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as UpgradePlan;
    expect(Number(run.outputs['breaking-count'])).toBe(plan.counts.breaking + plan.notes.length);
    expect(Number(run.outputs['impacted-count'])).toBe(plan.impacts.length);
    expect(plan.impacts.length).toBeGreaterThan(0);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.title)).toContain(
      `Kong 3.4.2: ${plan.impacts.find((i) => i.severity === 'error')!.title}`,
    );
    expect(run.summary).toContain('## Kong OSS upgrade plan: 2.8.4 → 3.4.2');
    expect(run.summary).toContain('### What hits this deployment');
    expect(run.summary).toContain('<details><summary>Fixes (');
    expect(run.summary.indexOf('What hits this deployment')).toBeLessThan(run.summary.indexOf('<details>'));
    expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024);
  });

  it('fails on impact only when fail-on-impact is set, still writing the plan', async () => {
    const kongConf = path.join(work, 'kong-fail.conf');
    await writeFile(kongConf, 'database = cassandra\n');
    const planFile = path.join(work, 'plan-fail.json');
    const run = await runAction('fetch-changelog', {
      from: '3.3.1', to: '3.4.2', offline: 'true', 'kong-conf': kongConf, 'fail-on-impact': 'true', 'plan-file': planFile,
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.at(-1)?.message).toMatch(/^impact check: 1 finding\(s\) of severity error/);
    await expect(readFile(planFile, 'utf8')).resolves.toContain('kong-upgrade/plan@1');
  });

  it('masks the admin token and database password before doing anything', async () => {
    const run = await runAction('fetch-changelog', {
      from: '2.8.4', to: '3.4.2', offline: 'true',
      'admin-url': 'http://127.0.0.1:9', 'admin-token': 's3cr3t-token',
      'database-url': 'postgres://kong:pa55word@127.0.0.1:9/kong',
      'plan-file': path.join(work, 'p.json'),
    });
    expect(run.masked).toEqual(expect.arrayContaining(['s3cr3t-token', 'pa55word']));
    expect(run.exitCode).toBe(1);
    expect(run.stdout.indexOf('::add-mask::')).toBeLessThan(run.stdout.indexOf('::error'));
  });

  const bad: [string, Record<string, string>, string][] = [
    ['an unknown version', { from: '2.8.4', to: '9.9.9' }, "input 'to'"],
    ['B older than A', { from: '3.4.2', to: '2.8.4' }, "input 'to'"],
    ['a malformed kong.conf', { from: '2.8.4', to: '3.4.2', 'kong-conf': '<bad>' }, "input 'kong-conf': line 1"],
    ['an unreadable changelog-file', { from: '2.8.4', to: '3.4.2', 'changelog-file': '/nope/CHANGELOG.md' }, "input 'changelog-file': cannot read"],
    ['a bad boolean', { from: '2.8.4', to: '3.4.2', offline: 'maybe' }, "input 'offline': \"maybe\" is not a boolean"],
  ];
  for (const [what, inputs, message] of bad) {
    it(`fails with one clear error on ${what}`, async () => {
      if (inputs['kong-conf'] === '<bad>') {
        inputs['kong-conf'] = path.join(work, 'malformed.conf');
        await writeFile(inputs['kong-conf'], 'not a setting at all\n');
      }
      const run = await runAction('fetch-changelog', { offline: 'true', ...inputs });
      expect(run.exitCode).toBe(1);
      const errors = run.annotations.filter((a) => a.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toContain(message);
      expect(run.outputs).toEqual({});
    });
  }
});

// Issue 20: cassandra_password was quoted by the removed-setting finding into the annotation,
// the summary, the plan JSON and the log; a line break in plan-file started a log line.
describe('fetch-changelog action (dist bundle): hostile values', () => {
  it('names secret kong.conf settings without their values anywhere, and masks them', async () => {
    const kongConf = path.join(work, 'secret.conf');
    await writeFile(kongConf, 'database = postgres\ncassandra_password = Cass-Secret-4711\npg_password = Pg-Secret-4711\ncassandra_contact_points = 10.0.0.5\n');
    const planFile = path.join(work, 'secret-plan.json');
    const run = await runAction('fetch-changelog', { from: '2.8.4', to: '3.4.2', offline: 'true', 'kong-conf': kongConf, 'plan-file': planFile });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.masked).toEqual(expect.arrayContaining(['Cass-Secret-4711', 'Pg-Secret-4711']));
    const plan = await readFile(planFile, 'utf8');
    const shown = {
      log: run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'),
      annotations: JSON.stringify(run.annotations),
      summary: run.summary,
      plan,
      outputs: JSON.stringify(run.outputs),
    };
    for (const [where, text] of Object.entries(shown)) expect(/(Cass|Pg)-Secret-4711/.test(text), `${where} shows a password`).toBe(false);
    expect(run.annotations.map((a) => a.message)).toContain('`cassandra_password` (its value is not shown: a secret or key setting): Cassandra support ends in 3.4.0. Remedy: Remove `cassandra_password` (and its KONG_CASSANDRA_PASSWORD variable, if any) once on the target. (' + kongConf + ':2)');
    expect(plan).toContain('`cassandra_contact_points = 10.0.0.5`');
  });

  it('refuses a plan-file with a line break, naming it: no line of its own in the log', async () => {
    const run = await runAction('fetch-changelog', { from: '2.8.4', to: '3.4.2', offline: 'true', 'plan-file': `${work}/p.json\n::stop-commands::pwned` });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.at(-1)!.message).toBe("input 'plan-file': holds a line break or another control character; give one line");
    expect(injectedCommands(run.stdout)).toEqual([]);
  });
});
