import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpgradePlan } from '../../src/changelog/plan-types.js';
import { runAction } from '../helpers/run-action.js';
import { KONG_DATA } from '../helpers/paths.js';

// The bundled dist/fetch-changelog/index.js, run the way the runner runs it.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'fetch-changelog-action-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('fetch-changelog action (dist bundle)', () => {
  it('plans offline and sets outputs, the plan file, the summary and an annotation per impact', async () => {
    const planFile = path.join(work, 'plan.json');
    const kongConf = path.join(work, 'kong.conf');
    await writeFile(kongConf, 'database = cassandra\n');
    const run = await runAction('fetch-changelog', {
      from: '2.8.4',
      to: '3.4.2',
      offline: 'true',
      'kong-conf': kongConf,
      'changelog-file': path.join(KONG_DATA, 'oss/CHANGELOG.md'),
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
