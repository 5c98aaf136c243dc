// The three runners: each assembled by one function, checked against golden files of the
// rendered command and manifest, then run end to end through recording fakes of docker and
// kubectl (test/kong/fakes) that play the simulated Kong on real PostgreSQL, with every argv
// they saw checked for the password.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kongDatabaseEnvironment } from '../../src/kong/kong-env.js';
import { migrate } from '../../src/migrate/migrate.js';
import { parseMigrationsList, reconcileState } from '../../src/kong/migration-state.js';
import { binaryCommand } from '../../src/kong/runners/binary.js';
import { CONTAINER_CONF_PATH, dockerRunCommand, renderDockerRun } from '../../src/kong/runners/image.js';
import { migrationJobManifest, renderJobManifest, type KubernetesSpec } from '../../src/kong/runners/kubernetes.js';
import type { MigrateRequest } from '../../src/migrate/request.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong, schemaMeta } from '../kong-sim/helpers.js';
import { baseRequest, captureLog, kongBinaries } from './fixtures.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const FAKES = path.join(here, 'fakes');
const GOLDEN = path.join(here, 'golden');
const SECRET = 's3cr3t-Pa55word!';

/** Compares with test/kong/golden/<name>; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const DB = { host: 'db.internal', port: 5432, user: 'kong', password: SECRET, database: 'kong', sslmode: 'require' as const };
const ENV = kongDatabaseEnvironment(DB, { plugins: ['bundled', 'my-auth'] });
const UP_ARGS = ['migrations', 'up', '--db-timeout', '600', '--lock-timeout', '60'];

describe('assembly and golden files', () => {
  it('binary: settings by environment, nothing secret in argv', () => {
    const request = binaryCommand({ kongPath: '/usr/local/bin/kong', env: ENV, confFile: undefined }, UP_ARGS);
    expect(request.args).toEqual(UP_ARGS);
    expect(request.env?.KONG_PG_PASSWORD).toBe(SECRET);
    expect(request.env?.KONG_PLUGINS).toBe('bundled,my-auth');
    expect(request.env?.KONG_PG_SSL).toBe('on');
  });

  it('image: docker run --rm with -e NAME only, the values in the child environment', () => {
    const request = dockerRunCommand({ docker: 'docker', image: 'kong:3.4.2', network: 'kong-net', env: ENV, confFile: '/work/kong.conf' }, UP_ARGS, 'kong-3-4-2-up-test');
    expect(request.args.join(' ')).not.toContain(SECRET);
    expect(request.args).toContain('KONG_PG_PASSWORD');
    expect(request.env?.KONG_PG_PASSWORD).toBe(SECRET);
    const rendered = renderDockerRun(request);
    expect(rendered).not.toContain(SECRET);
    golden('docker-run-up.txt', rendered);
  });

  const spec: KubernetesSpec = {
    kubectl: 'kubectl',
    context: undefined,
    namespace: 'kong',
    image: 'kong:3.4.2',
    imagePullPolicy: 'IfNotPresent',
    env: ENV,
    passwordSecret: { name: 'kong-postgres', key: 'password' },
    serviceAccount: undefined,
    startTimeoutMs: 300_000,
    ttlSecondsAfterFinished: 86_400,
  };

  it('kubernetes: Jobs mirroring the Helm chart\'s pre-upgrade and post-upgrade migrations', () => {
    const up = renderJobManifest(migrationJobManifest(spec, UP_ARGS, 'kong-3-4-2-up-test', 'up'));
    const finish = renderJobManifest(migrationJobManifest(spec, ['migrations', 'finish', '--db-timeout', '600', '--lock-timeout', '60'], 'kong-3-4-2-finish-test', 'finish'));
    expect(up).not.toContain(SECRET);
    golden('job-up.yaml', up);
    golden('job-finish.yaml', finish);
    const job = parse(up);
    expect(job.metadata.labels['app.kubernetes.io/component']).toBe('pre-upgrade-migrations');
    expect(parse(finish).metadata.labels['app.kubernetes.io/component']).toBe('post-upgrade-migrations');
    const container = job.spec.template.spec.containers[0];
    expect(container.args.slice(0, 3)).toEqual(['kong', 'migrations', 'up']);
    expect(container.env).toContainEqual({ name: 'KONG_PG_PASSWORD', valueFrom: { secretKeyRef: { name: 'kong-postgres', key: 'password' } } });
    expect(container.env).toContainEqual({ name: 'KONG_PLUGINS', value: 'bundled,my-auth' });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(0);
  });

  it('image: `kong check` of the kong.conf mounted read-only, named by its path in the container', () => {
    const request = dockerRunCommand({ docker: 'docker', image: 'kong:3.4.2', network: undefined, env: ENV, confFile: '/work/kong.conf' }, ['check', CONTAINER_CONF_PATH], 'kong-3-4-2-check-test');
    expect(request.args.slice(-6)).toEqual(['-v', '/work/kong.conf:/kong-upgrade/kong.conf:ro', 'kong:3.4.2', 'kong', 'check', '/kong-upgrade/kong.conf']);
    expect(request.args.join(' ')).not.toContain(SECRET);
    const rendered = renderDockerRun(request);
    expect(rendered).not.toContain(SECRET);
    golden('docker-run-check.txt', rendered);
  });

  it('kubernetes: bootstrap as the Helm chart\'s init-migrations Job (templates/migrations.yaml)', () => {
    const bootstrap = renderJobManifest(migrationJobManifest(spec, ['migrations', 'bootstrap', '--db-timeout', '600', '--lock-timeout', '60'], 'kong-3-4-2-bootstrap-test', 'bootstrap'));
    expect(bootstrap).not.toContain(SECRET);
    golden('job-bootstrap.yaml', bootstrap);
    const job = parse(bootstrap);
    expect(job.metadata.labels['app.kubernetes.io/component']).toBe('init-migrations');
    expect(job.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('init-migrations');
    const container = job.spec.template.spec.containers[0];
    // The chart's args: [ "kong", "migrations", "bootstrap" ] (facts upgrade-paths-helm-operator-deck.md §3.2).
    expect(container.args.slice(0, 3)).toEqual(['kong', 'migrations', 'bootstrap']);
    expect(container.env).toContainEqual({ name: 'KONG_PG_PASSWORD', valueFrom: { secretKeyRef: { name: 'kong-postgres', key: 'password' } } });
    expect(container.env.filter((e: { name: string }) => e.name === 'KONG_PG_PASSWORD')).toHaveLength(1);
  });
});

describe('parsing and reconciling', () => {
  it('reads the pending-and-new list with its [warn] line, and refuses an exit code the lists contradict', () => {
    const stdout = [
      'Executed migrations:',
      '    core: 000_base, 003_100_to_110',
      '',
      'Pending migrations:',
      'core: 016_280_to_300',
      '',
      'New migrations available:',
      '    core: 021_340_to_350',
      '',
      '2025/01/31 12:00:00 [warn] Database has pending migrations from a previous upgrade, and new migrations from this upgrade (version 3.9.3)',
      '',
      "Run 'kong migrations finish' when ready to complete pending migrations (postgres database will be incompatible with the previous Kong version)",
    ].join('\n');
    const list = parseMigrationsList({ exitCode: 4, stdout, stderr: '' });
    expect(list.pending).toEqual({ core: ['016_280_to_300'] });
    const rows = [{ subsystem: 'core', lastExecuted: '003_100_to_110', executed: ['000_base', '003_100_to_110'], pending: ['016_280_to_300'] }];
    expect(reconcileState(list, rows).state.kind).toBe('pending-and-new');
    expect(() => reconcileState({ ...list, exitCode: 0 }, rows)).toThrow(/exited 0 but printed pending and new/);
    expect(() => reconcileState(list, [{ ...rows[0]!, pending: [] }])).toThrow(/listed as pending but not pending in schema_meta/);
    expect(() => reconcileState(list, undefined)).toThrow(/no schema_meta table/);
    expect(() => parseMigrationsList({ exitCode: 1, stdout: '', stderr: 'Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection refused\n\n  Run with --v (verbose) or --vv (debug) for more details\n' })).toThrow(
      /kong migrations list: exited 1: \[PostgreSQL error\] failed to retrieve PostgreSQL server_version_num: connection refused/,
    );
  });
});

describe('run through recording fakes', () => {
  let server: PostgresServer;
  let work: string;
  let bins: string;

  beforeAll(async () => {
    server = await startPostgres({ database: 'postgres' });
    work = mkdtempSync(path.join(os.tmpdir(), 'runner-test-'));
    bins = kongBinaries(['3.4.2']);
  });
  afterAll(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (bins) rmSync(bins, { recursive: true, force: true });
  });

  async function bootstrapped(name: string): Promise<void> {
    await server.createDatabase(name);
    const result = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, name), KONG_SIM_VERSION: '2.8.5' });
    expect(result.exitCode).toBe(0);
  }

  function recorded(log: string): { tool: string; argv: string[]; stdin?: string }[] {
    return readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  }

  it('image: up through `docker run`, no password in any argv', async () => {
    await bootstrapped('img');
    const log = path.join(work, 'docker.log');
    process.env.FAKE_LOG = log;
    try {
      const result = await migrate(
        baseRequest(server, 'img', bins, {
          command: 'up',
          runner: { kind: 'image', image: 'kong:{version}', network: 'kong-net', docker: path.join(FAKES, 'docker') },
          version: parseKongVersion('3.4.2'),
        }),
        captureLog(),
      );
      expect(result.failure).toBeUndefined();
      expect(result.stateAfter?.kind).toBe('pending');
    } finally {
      delete process.env.FAKE_LOG;
    }
    const calls = recorded(log);
    expect(calls.map((c) => c.argv[c.argv.indexOf('kong:3.4.2') + 3])).toEqual(['list', 'up', 'list']);
    for (const call of calls) {
      expect(call.argv.join(' ')).not.toContain(server.password);
      expect(call.argv).toContain('--network');
      expect(call.argv.slice(call.argv.indexOf('KONG_PG_PASSWORD') - 1, call.argv.indexOf('KONG_PG_PASSWORD') + 1)).toEqual(['-e', 'KONG_PG_PASSWORD']);
    }
  });

  it('kubernetes: list, up and finish as Jobs created from stdin, logs streamed, exit codes read back', async () => {
    await bootstrapped('k8s');
    const log = path.join(work, 'kubectl.log');
    Object.assign(process.env, { FAKE_LOG: log, FAKE_K8S_STATE: path.join(work, 'k8s-state'), FAKE_K8S_SECRETS: JSON.stringify({ 'kong-postgres/password': server.password }) });
    const runner = {
      kind: 'kubernetes' as const,
      image: 'kong:{version}',
      kubectl: path.join(FAKES, 'kubectl'),
      context: 'staging',
      namespace: 'kong',
      passwordSecret: { name: 'kong-postgres', key: 'password' },
      serviceAccount: undefined,
      pgHost: undefined,
      imagePullPolicy: 'IfNotPresent' as const,
      startTimeoutMs: 10_000,
    };
    const lines: string[] = [];
    try {
      const up = await migrate(baseRequest(server, 'k8s', bins, { command: 'up', runner, version: parseKongVersion('3.4.2') }), { info: (l) => lines.push(l), warning: () => {} });
      expect(up.failure).toBeUndefined();
      expect(up.stateAfter?.kind).toBe('pending');
      const finish = await migrate(baseRequest(server, 'k8s', bins, { command: 'finish', runner, version: parseKongVersion('3.4.2') }), captureLog());
      expect(finish.stateAfter?.kind).toBe('up-to-date');
    } finally {
      for (const k of ['FAKE_LOG', 'FAKE_K8S_STATE', 'FAKE_K8S_SECRETS']) delete process.env[k];
    }
    expect(lines.some((l) => l.includes('core migrated up to: 016_280_to_300 (pending)'))).toBe(true);
    const calls = recorded(log);
    const created = calls.filter((c) => c.argv.includes('create'));
    expect(created.map((c) => parse(c.stdin!).metadata.labels['app.kubernetes.io/component'])).toEqual([
      'migrations-list', 'pre-upgrade-migrations', 'migrations-list', 'migrations-list', 'post-upgrade-migrations', 'migrations-list',
    ]);
    for (const call of calls) {
      expect(call.argv.slice(0, 2)).toEqual(['--context', 'staging']);
      expect(call.argv.join(' ')).not.toContain(server.password);
      expect(call.stdin ?? '').not.toContain(server.password);
    }
    expect((await schemaMeta(server, 'k8s')).get('core')?.pending).toEqual([]);
  });

  const fakeImage = () => ({ kind: 'image' as const, image: 'kong:{version}', network: undefined, docker: path.join(FAKES, 'docker') });
  const fakeKubernetes = () => ({
    kind: 'kubernetes' as const,
    image: 'kong:{version}',
    kubectl: path.join(FAKES, 'kubectl'),
    context: undefined,
    namespace: 'kong',
    passwordSecret: { name: 'kong-postgres', key: 'password' },
    serviceAccount: undefined,
    pgHost: undefined,
    imagePullPolicy: 'IfNotPresent' as const,
    startTimeoutMs: 10_000,
  });
  const at342 = (database: string, overrides: Partial<MigrateRequest>) => baseRequest(server, database, bins, { version: parseKongVersion('3.4.2'), ...overrides });
  /** Kong's arguments in a recorded `docker run` (after the image). */
  const kongArgv = (call: { argv: string[] }) => call.argv.slice(call.argv.indexOf('kong:3.4.2') + 1);

  it('image: check mounts kong-conf read-only, runs `kong check` on the container path, then list with -c', async () => {
    await bootstrapped('img_check');
    const good = path.join(work, 'kong.conf');
    const bad = path.join(work, 'bad.conf');
    writeFileSync(good, 'pg_timeout = 5000\n');
    writeFileSync(bad, 'pg_timeout = soon\n');
    const log = path.join(work, 'docker-check.log');
    process.env.FAKE_LOG = log;
    try {
      const ok = await migrate(at342('img_check', { command: 'check', runner: fakeImage(), kongConf: good }), captureLog());
      expect(ok.failure).toBeUndefined();
      // kong/cmd/check.lua: `configuration at <conf> is valid` (facts §6), the conf as Kong sees it.
      expect(ok.checks[0]).toEqual({ name: 'kong-conf', status: 'pass', detail: 'Kong 3.4.2: configuration at /kong-upgrade/kong.conf is valid' });
      expect(ok.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['kong-conf:pass', 'plugins:pass', expect.stringMatching(/^postgres:(pass|warning)$/)]);
      expect(ok.stateBefore?.kind).toBe('new');
      const ko = await migrate(at342('img_check', { command: 'check', runner: fakeImage(), kongConf: bad }), captureLog());
      expect(ko.outcome).toBe('failed');
      expect(ko.checks[0]?.status).toBe('fail');
      // The user's own path in the message, not the container's.
      expect(ko.failure?.message).toMatch(new RegExp(`kong-conf: Kong 3\\.4\\.2 rejects ${bad.replace(/[.]/g, '\\.')}: pg_timeout`));
    } finally {
      delete process.env.FAKE_LOG;
    }
    const calls = recorded(log);
    const list = ['kong', 'migrations', 'list', '--db-timeout', '60', '--lock-timeout', '60', '-c', CONTAINER_CONF_PATH];
    expect(calls.map(kongArgv)).toEqual([['kong', 'check', CONTAINER_CONF_PATH], list, ['kong', 'check', CONTAINER_CONF_PATH], list]);
    for (const [i, call] of calls.entries()) {
      const v = call.argv.indexOf('-v');
      expect(call.argv.slice(v, v + 2)).toEqual(['-v', `${i < 2 ? good : bad}:/kong-upgrade/kong.conf:ro`]);
      expect(call.argv.join(' ')).not.toContain(server.password);
      expect(call.argv.slice(call.argv.indexOf('KONG_PG_PASSWORD') - 1, call.argv.indexOf('KONG_PG_PASSWORD') + 1)).toEqual(['-e', 'KONG_PG_PASSWORD']);
    }
  });

  it('image: bootstrap of an empty database through `docker run`, refused once it is bootstrapped', async () => {
    await server.createDatabase('img_boot');
    const log = path.join(work, 'docker-boot.log');
    process.env.FAKE_LOG = log;
    try {
      const result = await migrate(at342('img_boot', { command: 'bootstrap', runner: fakeImage() }), captureLog());
      expect(result.failure).toBeUndefined();
      expect(result.outcome).toBe('succeeded');
      expect(result.stateBefore?.kind).toBe('needs-bootstrap');
      expect(result.stateAfter?.kind).toBe('up-to-date');
      expect(result.commands).toMatchObject([{ hop: '3.4.2', command: 'bootstrap', exitCode: 0 }]);
      // What Kong reported running is exactly what schema_meta now holds as executed.
      expect(result.executed.every((m) => m.command === 'bootstrap' && m.result === 'executed')).toBe(true);
      const reported: Record<string, string[]> = {};
      for (const m of result.executed) (reported[m.subsystem] ??= []).push(m.name);
      const meta = await schemaMeta(server, 'img_boot');
      expect(Object.fromEntries(Object.entries(reported).map(([s, names]) => [s, [...names].sort()]))).toEqual(
        Object.fromEntries([...meta].map(([s, row]) => [s, [...(row.executed ?? [])].sort()])),
      );
      expect([...meta.values()].every((row) => (row.pending ?? []).length === 0)).toBe(true);

      await expect(migrate(at342('img_boot', { command: 'bootstrap', runner: fakeImage() }), captureLog())).rejects.toThrow(
        /^bootstrap: refused: the database is already bootstrapped \(up-to-date \(\d+ executed\)\)\. bootstrap is for a new, empty database/,
      );
    } finally {
      delete process.env.FAKE_LOG;
    }
    const calls = recorded(log);
    const flags = ['--db-timeout', '60', '--lock-timeout', '60'];
    expect(calls.map(kongArgv)).toEqual([
      ['kong', 'migrations', 'list', ...flags],
      ['kong', 'migrations', 'bootstrap', ...flags],
      ['kong', 'migrations', 'list', ...flags],
      ['kong', 'migrations', 'list', ...flags],
    ]);
    for (const call of calls) {
      expect(call.argv.join(' ')).not.toContain(server.password);
      expect(call.argv).not.toContain('-v');
      expect(call.argv.slice(call.argv.indexOf('KONG_PG_PASSWORD') - 1, call.argv.indexOf('KONG_PG_PASSWORD') + 1)).toEqual(['-e', 'KONG_PG_PASSWORD']);
    }
  });

  it('kubernetes: bootstrap as an init-migrations Job, check as a list Job; kong-conf refused before any kubectl call', async () => {
    await server.createDatabase('k8s_boot');
    const log = path.join(work, 'kubectl-boot.log');
    const conf = path.join(work, 'k8s-kong.conf');
    writeFileSync(conf, 'pg_timeout = 5000\n');
    Object.assign(process.env, { FAKE_LOG: log, FAKE_K8S_STATE: path.join(work, 'k8s-boot-state'), FAKE_K8S_SECRETS: JSON.stringify({ 'kong-postgres/password': server.password }) });
    let callsBeforeRefusal: number;
    try {
      const boot = await migrate(at342('k8s_boot', { command: 'bootstrap', runner: fakeKubernetes() }), captureLog());
      expect(boot.failure).toBeUndefined();
      expect(boot.stateBefore?.kind).toBe('needs-bootstrap');
      expect(boot.stateAfter?.kind).toBe('up-to-date');
      expect(boot.executed.length).toBeGreaterThan(0);

      const check = await migrate(at342('k8s_boot', { command: 'check', runner: fakeKubernetes() }), captureLog());
      expect(check.failure).toBeUndefined();
      expect(check.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['kong-conf:warning', 'plugins:pass', expect.stringMatching(/^postgres:(pass|warning)$/)]);
      expect(check.stateBefore?.kind).toBe('up-to-date');

      callsBeforeRefusal = recorded(log).length;
      await expect(migrate(at342('k8s_boot', { command: 'check', runner: fakeKubernetes(), kongConf: conf }), captureLog())).rejects.toThrow(
        /^input 'kong-conf': is not supported with runner: kubernetes/,
      );
    } finally {
      for (const k of ['FAKE_LOG', 'FAKE_K8S_STATE', 'FAKE_K8S_SECRETS']) delete process.env[k];
    }
    const calls = recorded(log);
    expect(calls).toHaveLength(callsBeforeRefusal);
    const jobs = calls.filter((c) => c.argv.includes('create')).map((c) => parse(c.stdin!));
    expect(jobs.map((j) => j.metadata.labels['app.kubernetes.io/component'])).toEqual(['migrations-list', 'init-migrations', 'migrations-list', 'migrations-list']);
    const flags = ['--db-timeout', '60', '--lock-timeout', '60'];
    expect(jobs[1].spec.template.spec.containers[0].args).toEqual(['kong', 'migrations', 'bootstrap', ...flags]);
    for (const job of jobs) {
      const container = job.spec.template.spec.containers[0];
      expect(container.args).not.toContain('-c');
      expect(container.env).toContainEqual({ name: 'KONG_PG_PASSWORD', valueFrom: { secretKeyRef: { name: 'kong-postgres', key: 'password' } } });
    }
    for (const call of calls) {
      expect(call.argv.join(' ')).not.toContain(server.password);
      expect(call.stdin ?? '').not.toContain(server.password);
    }
  });

  it('render: prints the manifest / docker line and runs nothing', async () => {
    const log = path.join(work, 'render.log');
    process.env.FAKE_LOG = log;
    try {
      const result = await migrate(
        baseRequest(server, 'none', bins, {
          command: 'up-and-finish',
          render: true,
          runner: { kind: 'image', image: 'kong:{version}', network: undefined, docker: path.join(FAKES, 'docker') },
          version: parseKongVersion('3.4.2'),
        }),
        captureLog(),
      );
      expect(result.outcome).toBe('rendered');
      expect(result.rendered.map((r) => r.title)).toEqual(['kong migrations up (Kong 3.4.2, image)', 'kong migrations finish (Kong 3.4.2, image)']);
      expect(result.rendered[0]!.text).toMatch(/^export KONG_PG_PASSWORD {2}# set it from your secret store/m);
      expect(result.rendered[0]!.text).not.toContain(server.password);

      // check with a conf renders the `kong check` it would run first, then the list.
      const check = await migrate(
        baseRequest(server, 'none', bins, {
          command: 'check',
          render: true,
          kongConf: '/work/kong.conf',
          runner: { kind: 'image', image: 'kong:{version}', network: undefined, docker: path.join(FAKES, 'docker') },
          version: parseKongVersion('3.4.2'),
        }),
        captureLog(),
      );
      expect(check.rendered.map((r) => r.title)).toEqual(['kong check (Kong 3.4.2, image)', 'kong migrations list (Kong 3.4.2, image)']);
      expect(check.rendered[0]!.text).toContain('-v /work/kong.conf:/kong-upgrade/kong.conf:ro kong:3.4.2 kong check /kong-upgrade/kong.conf');
    } finally {
      delete process.env.FAKE_LOG;
    }
    expect(existsSync(log)).toBe(false);
  });
});
