// Issue 20: migrate's gates on real PostgreSQL and the simulated Kong. The backup gate never
// looked at the archive (`up` ran 15 migrations with only manifest.json present); the finish
// gate took a smoke report of any age, from any cluster.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../src/database/checksums.js';
import { migrate } from '../../src/migrate/migrate.js';
import type { MigrateRequest } from '../../src/migrate/request.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong, schemaMeta } from '../kong-sim/helpers.js';
import { backUp, baseRequest, captureLog, kongBinaries, servedBy, sql, writeSmokeReport } from './fixtures.js';

let server: PostgresServer;
let bins: string;
let work: string;
let n = 0;
const v342 = parseKongVersion('3.4.2');
const HOUR = 3_600_000;

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'migrate-gates-'));
  bins = kongBinaries(['2.8.5', '3.4.2']);
});

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (bins) rmSync(bins, { recursive: true, force: true });
});

/** A database bootstrapped by Kong `version` with one service of its own. */
async function database(version: string, service = 'orders'): Promise<string> {
  const name = `g_${++n}`;
  await server.createDatabase(name);
  const result = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, name), KONG_SIM_VERSION: version });
  expect(result.exitCode, result.stderr).toBe(0);
  await sql(server, name, `INSERT INTO services (id, name, host, port, protocol, retries, created_at, updated_at, ws_id)
    VALUES (gen_random_uuid(), '${service}', '${service}.internal', 80, 'http', 5, now(), now(), (SELECT id FROM workspaces WHERE name = 'default'))`);
  return name;
}

function request(db: string, overrides: Partial<MigrateRequest>): MigrateRequest {
  return baseRequest(server, db, bins, overrides);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then((value) => (value as { failure?: unknown }).failure, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpgradeError);
  return (error as Error).message;
}

const gate = (manifest: string, verify: 'checksums' | 'trial-restore' = 'checksums') => ({ kind: 'manifest' as const, path: manifest, allowChangesAfterBackup: false, verify });

/** The manifest's single archive file. */
function archiveOf(manifest: string): string {
  const data = JSON.parse(readFileSync(manifest, 'utf8')) as { archive: { path: string } };
  return path.join(path.dirname(manifest), data.archive.path);
}

async function untouched(db: string): Promise<void> {
  expect((await schemaMeta(server, db)).get('core')?.executed).not.toContain('016_280_to_300');
}

describe('backup gate: the archive, not just the manifest', () => {
  it('refuses up when only manifest.json is there; Kong never runs', async () => {
    const db = await database('2.8.5');
    const manifest = await backUp(server, db, work);
    rmSync(archiveOf(manifest));
    const message = await failure(migrate(request(db, { command: 'up', version: v342, backup: gate(manifest) }), captureLog()));
    expect(message).toMatch(/^input 'backup-manifest': .*checking the archive against its manifest: 1 file\(s\) differ.*kong\.dump: missing/);
    await untouched(db);
  });

  it('refuses an archive altered after the backup, and a manifest that lists no file', async () => {
    const db = await database('2.8.5');
    const manifest = await backUp(server, db, work);
    const archive = archiveOf(manifest);
    const bytes = readFileSync(archive);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    writeFileSync(archive, bytes);
    expect(await failure(migrate(request(db, { command: 'up', version: v342, backup: gate(manifest) }), captureLog()))).toMatch(/kong\.dump: SHA-256 .*, manifest says/);

    const empty = path.join(path.dirname(manifest), 'empty.json');
    writeFileSync(empty, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), files: [] }));
    expect(await failure(migrate(request(db, { command: 'up', version: v342, backup: gate(empty) }), captureLog()))).toMatch(/^input 'backup-manifest': .*files lists no file/);
    await untouched(db);
  });

  it('dry-run says the gate would refuse a missing archive, and changes nothing', async () => {
    const db = await database('2.8.5');
    const manifest = await backUp(server, db, work);
    rmSync(archiveOf(manifest));
    const result = await migrate(request(db, { command: 'up', version: v342, dryRun: true, backup: gate(manifest) }), captureLog());
    expect(result.outcome).toBe('dry-run');
    expect(result.warnings.join('\n')).toMatch(/backup gate would refuse: input 'backup-manifest': .*kong\.dump: missing/);
    await untouched(db);
  });

  it('gate-verify: trial-restore catches an archive swapped for another with its checksums rewritten', async () => {
    const db = await database('2.8.5');
    const other = await database('2.8.5', 'billing');
    const manifest = await backUp(server, db, work);
    const foreign = archiveOf(await backUp(server, other, work));
    // The other database's archive under this manifest, every checksum made to match it.
    copyFileSync(foreign, archiveOf(manifest));
    const data = JSON.parse(readFileSync(manifest, 'utf8'));
    const sha256 = await sha256File(archiveOf(manifest));
    const sizeBytes = readFileSync(archiveOf(manifest)).length;
    data.files = [{ ...data.files[0], sha256, sizeBytes }];
    data.archive = { ...data.archive, checksum: sha256, sizeBytes };
    writeFileSync(manifest, JSON.stringify(data));

    const log = captureLog();
    const checked = await migrate(request(db, { command: 'up', version: v342, dryRun: true, backup: gate(manifest) }), log);
    expect(checked.warnings.join('\n')).not.toMatch(/backup gate would refuse/);
    const message = await failure(migrate(request(db, { command: 'up', version: v342, backup: gate(manifest, 'trial-restore') }), captureLog()));
    expect(message).toMatch(/^trial restore: the restored copy's fingerprint differs from the manifest: services: same 1 rows but different content/);
    await untouched(db);
  });

  it('gate-verify: trial-restore passes a sound backup, then up runs', async () => {
    const db = await database('2.8.5');
    const manifest = await backUp(server, db, work);
    const log = captureLog();
    const up = await migrate(request(db, { command: 'up', version: v342, backup: gate(manifest, 'trial-restore') }), log);
    expect(up.failure).toBeUndefined();
    expect(up.outcome).toBe('succeeded');
    expect(log.lines.join('\n')).toMatch(/backup gate: Trial restore on .*: fingerprint equals the manifest's/);
    expect(log.lines.join('\n')).toMatch(/backup gate: the database matches the backup of .* its archive checked and trial-restored/);
    const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
    await client.connect();
    try {
      const databases = (await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname);
      expect(databases.filter((name) => !/^(postgres|template\d|g_\d+)$/.test(name))).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

describe('smoke gate: the report is of this database, this version, and recent', () => {
  async function pending(): Promise<string> {
    const db = await database('2.8.5');
    const up = await migrate(request(db, { command: 'up', version: v342 }), captureLog());
    expect(up.stateAfter?.kind).toBe('pending');
    return db;
  }
  const finish = (db: string, report: string, maxAgeMs = HOUR) => migrate(request(db, { command: 'finish', version: v342, smoke: { kind: 'report', path: report, maxAgeMs } }), captureLog());

  it('refuses a report older than smoke-report-max-age, or from the future', async () => {
    const db = await pending();
    const stale = writeSmokeReport(path.join(work, `${db}-stale.json`), '3.4.2', true, { served: servedBy(server, db), finishedAt: new Date(Date.now() - 3 * HOUR) });
    expect(await failure(finish(db, stale))).toMatch(/^smoke gate: the smoke report .* is 3 h old \(finished .*\), older than smoke-report-max-age \(60 min\): smoke-test the new nodes again$/);
    const future = writeSmokeReport(path.join(work, `${db}-future.json`), '3.4.2', true, { served: servedBy(server, db), finishedAt: new Date(Date.now() + HOUR) });
    expect(await failure(finish(db, future))).toMatch(/finished in the future .*: check the clocks$/);
    expect((await schemaMeta(server, db)).get('core')?.pending).toEqual(['016_280_to_300']);
    // The same stale report within a longer allowance.
    expect((await finish(db, stale, 4 * HOUR)).stateAfter?.kind).toBe('up-to-date');
  });

  it('refuses a report of nodes serving another database or cluster', async () => {
    const db = await pending();
    const otherName = writeSmokeReport(path.join(work, `${db}-othername.json`), '3.4.2', true, { served: servedBy(server, 'kong_staging') });
    expect(await failure(finish(db, otherName))).toMatch(new RegExp(`tested nodes serving 127\\.0\\.0\\.1:${server.port}/kong_staging, not 127\\.0\\.0\\.1:${server.port}/${db}, the database this step finishes`));
    const otherHost = writeSmokeReport(path.join(work, `${db}-otherhost.json`), '3.4.2', true, { served: { host: '10.77.0.9', port: server.port, database: db } });
    expect(await failure(finish(db, otherHost))).toMatch(/tested nodes serving 10\.77\.0\.9:/);
    expect((await schemaMeta(server, db)).get('core')?.pending).toEqual(['016_280_to_300']);
    // localhost and 127.0.0.1 are one host.
    const alias = writeSmokeReport(path.join(work, `${db}-alias.json`), '3.4.2', true, { served: { host: 'localhost', port: server.port, database: db } });
    expect((await finish(db, alias)).stateAfter?.kind).toBe('up-to-date');
  });

  it('warns when a report does not say which database its nodes serve', async () => {
    const db = await pending();
    const silent = writeSmokeReport(path.join(work, `${db}-silent.json`), '3.4.2', true, { served: null });
    const log = captureLog();
    const result = await migrate(request(db, { command: 'finish', version: v342, smoke: { kind: 'report', path: silent, maxAgeMs: HOUR } }), log);
    expect(result.stateAfter?.kind).toBe('up-to-date');
    expect(log.warnings.join('\n')).toMatch(/smoke gate: the smoke report .* does not say which database its nodes serve/);
  });

  it('refuses a malformed report naming smoke-report and the field', async () => {
    const db = await pending();
    const bad = path.join(work, `${db}-bad.json`);
    writeFileSync(bad, JSON.stringify({ schema: 'kong-upgrade/smoke-report@1', kongVersion: '3.4.2', passed: 'yes', checks: [] }));
    expect(await failure(finish(db, bad))).toMatch(/^input 'smoke-report': .* is not a smoke report: passed is string, expected true or false; finishedAt is undefined, expected a string$/);
  });

  it('refuses a report without checks, naming smoke-report and the field; finish does not run', async () => {
    const db = await pending();
    const report = JSON.parse(readFileSync(writeSmokeReport(path.join(work, `${db}-full.json`), '3.4.2', true, { served: servedBy(server, db) }), 'utf8')) as Record<string, unknown>;
    delete report.checks;
    const bad = path.join(work, `${db}-no-checks.json`);
    writeFileSync(bad, JSON.stringify(report));
    expect(await failure(finish(db, bad))).toMatch(/^input 'smoke-report': .*-no-checks\.json is not a smoke report: checks is undefined, expected an array$/);
    expect((await schemaMeta(server, db)).get('core')?.pending).toContain('016_280_to_300');
  });
});
