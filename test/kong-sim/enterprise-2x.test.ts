// Kong Enterprise 2.x reports its version as 2.8.1.1-enterprise-edition (kong/meta.lua of
// Enterprise 1.x/2.x: _VERSION = package .. "-enterprise-edition"). The product, run as the runner
// runs it (dist bundles), against a simulated Enterprise 2.8.1.1 node that answers so: smoke-test's
// admin-version passes a correct expected-version, migrate's smoke gate accepts that report for
// finish, and `kong-upgrade plan --admin-url` plans from 2.8.1.1.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, startNode, type StandIn } from '../checks/kong-stand-in.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction } from '../helpers/run-action.js';
import { kongBinaries } from '../kong/fixtures.js';
import { pgEnv, runKong } from './helpers.js';

let server: PostgresServer;
let node: StandIn;
let work: string;
let bins: string;
let report: string;

beforeAll(async () => {
  server = await startPostgres();
  // 2.1.4 → 2.8.1.1: core 012_213_to_220 has a teardown, so finish has work.
  await bootstrap(server, 'ee', '2.1.4', { enterprise: true });
  const up = await runKong(['migrations', 'up'], { ...pgEnv(server, 'ee'), KONG_SIM_VERSION: '2.8.1.1' });
  expect(up.exitCode, up.stderr).toBe(0);
  node = await startNode(server, 'ee', { version: '2.8.1.1' });
  work = mkdtempSync(path.join(os.tmpdir(), 'ee-2x-'));
  bins = kongBinaries(['2.8.1.1']);
  report = path.join(work, 'smoke.json');
}, 120_000);

afterAll(async () => {
  await node?.close();
  await server?.stop();
  for (const dir of [work, bins]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Enterprise 2.8.1.1-enterprise-edition', () => {
  it('the node answers GET / with the suffix', async () => {
    const root = (await (await fetch(`${node.adminUrl}/`)).json()) as { version: string };
    expect(root.version).toBe('2.8.1.1-enterprise-edition');
  });

  it('smoke-test: admin-version passes expected-version 2.8.1.1 and fails 2.8.1.2', async () => {
    const inputs = { 'admin-url': node.adminUrl, 'status-url': node.statusUrl, 'wait-timeout': '5s', 'report-file': report };
    const run = await runAction('smoke-test', { ...inputs, 'expected-version': '2.8.1.1' });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as { kongVersion: string; passed: boolean; checks: { name: string; status: string }[] };
    expect(json.kongVersion).toBe('2.8.1.1-enterprise-edition');
    expect(json.checks.find((c) => c.name === 'admin-version')?.status).toBe('pass');
    const wrong = await runAction('smoke-test', { ...inputs, 'report-file': path.join(work, 'wrong.json'), 'expected-version': '2.8.1.2' });
    expect(wrong.exitCode).toBe(1);
    expect(JSON.parse(wrong.outputs['failed-checks']!)).toEqual(['admin-version']);
  });

  it("migrate: the smoke gate accepts that report and finish runs with Kong 2.8.1.1", async () => {
    const url = `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/ee?sslmode=disable`;
    const common = { 'database-url': url, runner: 'binary', 'kong-path': path.join(bins, 'kong-{version}'), 'kong-version': '2.8.1.1', plugins: 'bundled' };
    const finish = await runAction('migrate', { ...common, command: 'finish', 'smoke-report': report });
    expect(finish.exitCode, finish.stdout).toBe(0);
    expect(finish.stdout).toMatch(/smoke gate: Kong 2\.8\.1\.1-enterprise-edition passed/);
    expect(JSON.parse(finish.outputs['state-after']!).kind).toBe('up-to-date');
  });

  it('kong-upgrade plan --admin-url plans from 2.8.1.1, Enterprise, and does not count the running release as one to come', async () => {
    // Not spawnSync: the simulated node answers from this process's event loop.
    const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(REPO_ROOT, 'bin/kong-upgrade.js'), 'plan', '--admin-url', node.adminUrl, '--to', '3.4.3.5', '--offline', '--format', 'json'], { encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
    expect(run.status, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { from: string; edition: string; releases: { version: string }[] };
    expect(plan).toMatchObject({ from: '2.8.1.1', edition: 'enterprise' });
    expect(plan.releases.map((r) => r.version)).not.toContain('2.8.1.1');
    expect(run.stderr).toContain('The running Kong reports version 2.8.1.1-enterprise-edition');
  });
});
