// The bundled action (dist/migrate/index.js) as the runner runs it, against the simulated Kong
// on real PostgreSQL. Build first: scripts/build.mjs.
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_STATE } from '../../src/kong/migration-state.js';
import { checkContract } from '../../src/lib/json-shape.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { pgEnv, runKong } from '../kong-sim/helpers.js';
import { backUp, kongBinaries, servedBy, writeSmokeReport } from '../kong/fixtures.js';

let server: PostgresServer;
let work: string;
let bins: string;
const FAKES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../kong/fakes');

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'migrate-action-'));
  bins = kongBinaries(['3.4.2']);
  await server.createDatabase('kong');
  const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'kong'), KONG_SIM_VERSION: '2.8.5' });
  expect(boot.exitCode).toBe(0);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (bins) rmSync(bins, { recursive: true, force: true });
});

const url = () => `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/kong?sslmode=disable`;

function expectNoSecret(run: ActionRun): void {
  const stdout = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
  for (const [where, text] of Object.entries({ stdout, stderr: run.stderr, summary: run.summary, outputs: JSON.stringify(run.outputs) })) {
    expect(text.includes(server.password), `${where} shows the password`).toBe(false);
  }
}

describe('dist/migrate', () => {
  it('refuses up without a backup, then up with a manifest, finish refused then done with a smoke report', async () => {
    const common = { 'database-url': url(), runner: 'binary', 'kong-path': path.join(bins, 'kong-{version}'), 'kong-version': '3.4.2', plugins: 'bundled' };

    const refused = await runAction('migrate', { ...common, command: 'up' });
    expect(refused.exitCode).toBe(1);
    expect(refused.annotations.find((a) => a.level === 'error')?.message).toMatch(/backup gate: no backup manifest/);

    const manifest = await backUp(server, 'kong', work);
    const up = await runAction('migrate', { ...common, command: 'up', 'backup-manifest': manifest });
    expect(up.exitCode, up.stdout).toBe(0);
    expect(JSON.parse(up.outputs['state-before']!).kind).toBe('new');
    const after = JSON.parse(up.outputs['state-after']!);
    // The outputs are the migration-state contract as a reader checks it.
    for (const name of ['state-before', 'state-after']) checkContract(JSON.parse(up.outputs[name]!), name, name, [MIGRATION_STATE]);
    expect(after).toMatchObject({ schema: 'kong-upgrade/migration-state@1', kind: 'pending', pending: { core: ['016_280_to_300'], 'http-log': ['001_280_to_300'], 'post-function': ['001_280_to_300'], 'pre-function': ['001_280_to_300'] } });
    expect(up.outputs['applied-count']).toBe('15');
    expect(up.outputs['pending-count']).toBe('4');
    expect(JSON.parse(up.outputs.executed!)[0]).toMatchObject({ hop: '3.4.2', command: 'up', subsystem: 'core', name: '016_280_to_300', result: 'pending' });
    expect(up.summary).toMatch(/\| Before \| new \(15 new/);
    expect(up.summary).toMatch(/\| 3\.4\.2 \| up \| core \| 016_280_to_300 \| pending \|/);
    expect(up.summary).toMatch(/then run `finish` with the smoke report/);
    expect(up.masked).toContain(server.password);
    expectNoSecret(up);

    const noSmoke = await runAction('migrate', { ...common, command: 'finish' });
    expect(noSmoke.exitCode).toBe(1);
    expect(noSmoke.annotations.find((a) => a.level === 'error')?.message).toMatch(/smoke gate: finish needs smoke-report/);

    const report = writeSmokeReport(path.join(work, 'report.json'), '3.4.2', true, { served: servedBy(server, 'kong') });
    const finish = await runAction('migrate', { ...common, command: 'finish', 'smoke-report': report });
    expect(finish.exitCode, finish.stdout).toBe(0);
    expect(JSON.parse(finish.outputs['state-after']!).kind).toBe('up-to-date');
    expect(finish.outputs['pending-count']).toBe('0');
    expectNoSecret(finish);
  });

  it('render with runner kubernetes prints the Job manifest and runs nothing', async () => {
    const log = path.join(work, 'kubectl-render.log');
    const run = await runAction(
      'migrate',
      {
        command: 'up',
        runner: 'kubernetes',
        render: 'true',
        'kong-version': '3.4.2',
        'database-url': url(),
        'kubernetes-password-secret': 'kong-postgres/password',
        'kubernetes-namespace': 'kong',
        kubectl: path.join(FAKES, 'kubectl'),
      },
      { env: { FAKE_LOG: log } },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/app\.kubernetes\.io\/component: "pre-upgrade-migrations"/);
    expect(run.summary).toMatch(/```yaml\napiVersion: "batch\/v1"/);
    expect(run.outputs.outcome).toBe('rendered');
    expect(() => readFileSync(log)).toThrow();
    expectNoSecret(run);
  });

  it('names the input when kubernetes has a password but no secret for it', async () => {
    const run = await runAction('migrate', { command: 'up', runner: 'kubernetes', 'kong-version': '3.4.2', 'database-url': url() });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toMatch(/^input 'kubernetes-password-secret': is required/);
  });
});

// Issue 20: inputs that crashed migrate with a stack trace showing the password, or named no input.
describe('dist/migrate: hostile inputs', () => {
  const common = () => ({ command: 'list', runner: 'binary', 'kong-path': path.join(bins, 'kong-{version}'), 'kong-version': '3.4.2', plugins: 'bundled' });
  const withPassword = (escaped: string) => `postgres://${server.user}:${escaped}@${server.host}:${server.port}/kong?sslmode=disable`;

  it('%00 in database-url: a clear error naming database-url, no stack, no password', async () => {
    const run = await runAction('migrate', { ...common(), 'database-url': withPassword('Nul%00Secret-4711') });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message)).toEqual(["input 'database-url': the password holds a control character (e.g. %00 or %0A), which a PostgreSQL connection setting cannot hold"]);
    expect(run.stderr).toBe('');
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n') + run.summary;
    expect(shown).not.toContain('Secret-4711');
  });

  it('a malformed %-escape in database-url names database-url (was "unexpected URIError")', async () => {
    const run = await runAction('migrate', { ...common(), 'database-url': withPassword('Bad%zzSecret-4711') });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message)).toEqual(["input 'database-url': the password has a malformed %-escape; encode a literal % as %25"]);
    expect(run.stdout).not.toMatch(/URIError|^::debug::/m);
  });

  it('refuses an image that is really a docker flag, naming image; docker never runs', async () => {
    const log = path.join(work, 'docker-flag.log');
    for (const image of ['--privileged', '-v/:/host', 'kong:3.4.2 --privileged', 'kong:{version}\n--privileged']) {
      const run = await runAction('migrate', { command: 'list', runner: 'image', image, 'kong-version': '3.4.2', 'database-url': url(), 'docker-cli': path.join(FAKES, 'docker') }, { env: { FAKE_LOG: log } });
      expect(run.exitCode).toBe(1);
      expect(run.annotations.at(-1)!.message).toMatch(/^input 'image': is not an image reference: expected \[registry\/\]name\[:tag\]\[@digest\]/);
    }
    expect(() => readFileSync(log)).toThrow();
    const ok = await runAction('migrate', { command: 'list', runner: 'image', image: 'registry.example:5000/team/kong-gateway:{version}', 'kong-version': '3.4.2', 'database-url': url(), render: 'true' });
    expect(ok.exitCode, ok.stdout).toBe(0);
  });
});

// Issue 20: the gates through the bundle: a manifest without its archive let up run 15
// migrations; a stale report of another cluster let finish run.
describe('dist/migrate: gates that check', () => {
  it('refuses up with manifest.json alone, and finish on a stale report of another cluster', async () => {
    await server.createDatabase('kong_gates');
    const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'kong_gates'), KONG_SIM_VERSION: '2.8.5' });
    expect(boot.exitCode).toBe(0);
    const db = `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/kong_gates?sslmode=disable`;
    const common = { 'database-url': db, runner: 'binary', 'kong-path': path.join(bins, 'kong-{version}'), 'kong-version': '3.4.2', plugins: 'bundled' };
    const manifest = await backUp(server, 'kong_gates', work);
    const archive = path.join(path.dirname(manifest), (JSON.parse(readFileSync(manifest, 'utf8')) as { archive: { path: string } }).archive.path);
    const kept = `${archive}.kept`;
    renameSync(archive, kept);
    const alone = await runAction('migrate', { ...common, command: 'up', 'backup-manifest': manifest });
    expect(alone.exitCode).toBe(1);
    expect(alone.annotations.at(-1)!.message).toMatch(/^input 'backup-manifest': .*kong\.dump: missing/);
    expect(alone.outputs['applied-count']).toBeUndefined();

    renameSync(kept, archive);
    const badVerify = await runAction('migrate', { ...common, command: 'up', 'backup-manifest': manifest, 'gate-verify': 'everything' });
    expect(badVerify.annotations.at(-1)!.message).toBe("input 'gate-verify': \"everything\" is not one of checksums, trial-restore");
    const up = await runAction('migrate', { ...common, command: 'up', 'backup-manifest': manifest, 'gate-verify': 'trial-restore' });
    expect(up.exitCode, up.stdout).toBe(0);
    expect(up.outputs['applied-count']).toBe('15');

    const stale = writeSmokeReport(path.join(work, 'stale.json'), '3.4.2', true, { served: servedBy(server, 'kong_gates'), finishedAt: new Date(Date.now() - 2 * 3_600_000) });
    const refusedStale = await runAction('migrate', { ...common, command: 'finish', 'smoke-report': stale });
    expect(refusedStale.exitCode).toBe(1);
    expect(refusedStale.annotations.at(-1)!.message).toMatch(/^smoke gate: the smoke report .* is 2 h old .*older than smoke-report-max-age \(60 min\)/);
    const foreign = writeSmokeReport(path.join(work, 'foreign.json'), '3.4.2', true, { served: servedBy(server, 'kong') });
    const refusedForeign = await runAction('migrate', { ...common, command: 'finish', 'smoke-report': foreign });
    expect(refusedForeign.annotations.at(-1)!.message).toMatch(/tested nodes serving .*\/kong, not .*\/kong_gates, the database this step finishes/);
    const finish = await runAction('migrate', { ...common, command: 'finish', 'smoke-report': stale, 'smoke-report-max-age': '3h' });
    expect(finish.exitCode, finish.stdout).toBe(0);
    expect(JSON.parse(finish.outputs['state-after']!).kind).toBe('up-to-date');
  });
});
