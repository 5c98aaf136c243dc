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
import { migrate } from '../../src/kong/migrate.js';
import { parseMigrationsList, reconcileState } from '../../src/kong/migration-state.js';
import { binaryCommand } from '../../src/kong/runners/binary.js';
import { dockerRunCommand, renderDockerRun } from '../../src/kong/runners/image.js';
import { migrationJobManifest, renderJobManifest, type KubernetesSpec } from '../../src/kong/runners/kubernetes.js';
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
    } finally {
      delete process.env.FAKE_LOG;
    }
    expect(existsSync(log)).toBe(false);
  });
});
