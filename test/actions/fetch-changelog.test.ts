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

// Issue 14: a YAML syntax error printed the offending line, key and all, into the annotation.
// Every file input gets a line holding a planted key that also breaks the file: the failure
// names the input, the file, the line and the column, and the key appears nowhere.
describe('fetch-changelog action (dist bundle): parse errors never quote the file', () => {
  const KEY = 'Planted-Key-4711';
  const broken: [input: string, file: string, text: string, message: RegExp][] = [
    ['declarative-config', 'bad.yml', `_format_version: "3.0"\nconsumers:\n- username: a\n  keyauth_credentials:\n  - key: ${KEY} : broken: [\n`, /^input 'declarative-config': .*bad\.yml: not valid YAML or JSON at line 5, column \d+: /],
    ['declarative-config', 'bad.json', `{\n  "_format_version": "3.0",\n  "consumers": [{"username": "a", "keyauth_credentials": [{"key": "${KEY}" "x"}]}]\n}\n`, /^input 'declarative-config': .*bad\.json: not valid YAML or JSON at line 3, column \d+: /],
    ['kong-conf', 'bad.conf', `pg_host = db\npg_password: ${KEY}\n`, /^input 'kong-conf': line 2 is not `key = value`/],
    ['kong-env', 'bad.env', `KONG_PG_HOST=db\nKONG_PG_PASSWORD ${KEY}\n`, /^input 'kong-env': .*bad\.env: line 2 is not `NAME=value`/],
    ['kong-env', 'values.yaml', `env:\n  database: postgres\n  pg_password: "${KEY}\n  pg_host: [db\n`, /^input 'kong-env': .*values\.yaml: not valid YAML at line \d+, column \d+: /],
    ['changelog-file', 'gateway.json', `{"3.4.0.0": {"kong-ee": [{"message": "${KEY}" "type": "feature"}]}}`, /^parse changelog: .*gateway\.json: not valid JSON at line 1, column \d+: /],
  ];
  for (const [input, name, text, message] of broken) {
    it(`${input} (${name})`, async () => {
      const file = path.join(work, name);
      await writeFile(file, text);
      const run = await runAction('fetch-changelog', { from: '2.8.4', to: '3.4.2', offline: 'true', [input]: file, 'plan-file': path.join(work, 'never.json') });
      expect(run.exitCode).toBe(1);
      const errors = run.annotations.filter((a) => a.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(message);
      expect(`${run.stdout}\n${run.stderr}\n${run.summary}`).not.toContain(KEY);
    });
  }

  it('nginx-template is compared, not parsed: its text is never printed', async () => {
    const file = path.join(work, 'nginx-custom.conf');
    await writeFile(file, `events {}\nhttp {\n  include 'nginx-kong.conf';\n  # token ${KEY}\n}\n`);
    const run = await runAction('fetch-changelog', { from: '2.8.4', to: '3.4.2', offline: 'true', 'nginx-template': file, 'plan-file': path.join(work, 'nginx-plan.json') });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(`${run.stdout}\n${run.summary}\n${await readFile(path.join(work, 'nginx-plan.json'), 'utf8')}`).not.toContain(KEY);
    expect(run.annotations.map((a) => a.title)).toContain("Kong 3.4.2: The custom main template lacks `include 'nginx-inject.conf';` (Kong 3.4.0's nginx.lua)");
  });

  it('the summary and the log say what was read, one line per source', async () => {
    const deck = path.join(work, 'kong.yml');
    await writeFile(deck, "_format_version: '2.1'\nservices:\n- name: a\n  url: http://a\n  routes:\n  - name: r\n    paths: [/a]\n  plugins:\n  - name: cors\n  - name: acl\n    config: {allow: [x]}\n");
    const run = await runAction('fetch-changelog', { from: '2.8.4', to: '3.4.2', offline: 'true', 'declarative-config': deck, 'declarative-consumer': 'deck', 'plan-file': path.join(work, 'read.json') });
    expect(run.exitCode, run.stdout).toBe(0);
    const line = `${deck} (2.1, decK): 1 services, 1 routes, 0 regex paths; plugins: acl, cors`;
    expect(run.stdout).toContain(line);
    expect(run.summary).toContain(line);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.title)).toEqual(['Kong 3.4.2: decK refuses this file against Kong 3.x: format 2.1']);
  });
});
