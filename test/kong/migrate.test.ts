// The migrate domain against the simulated Kong on real PostgreSQL: every state transition of
// 2.8.5 → 3.4.2 (one hop), 3.4.2 → 3.9.3 walked hop by hop with a plan, the lock held by
// another node, a failure at a named migration, and the backup and smoke gates.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/migrate/migrate.js';
import { readPlanFile } from '../../src/migrate/plan-file.js';
import type { MigrateRequest } from '../../src/migrate/request.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { holdMigrationsLock, locks, pgEnv, runKong, schemaMeta } from '../kong-sim/helpers.js';
import { backUp, baseRequest, captureLog, kongBinaries, servedBy, sql, writePlan, writeSmokeReport } from './fixtures.js';

let server: PostgresServer;
let bins: string;
let work: string;
let n = 0;

const HOUR = 3_600_000;
const HOPS_34_TO_39 = ['3.4.2', '3.5.0', '3.6.1', '3.7.1', '3.8.1', '3.9.3'];

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'migrate-test-'));
  bins = kongBinaries(['2.8.5', '3.4.2', '3.9.3', ...HOPS_34_TO_39]);
});

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (bins) rmSync(bins, { recursive: true, force: true });
});

/** A database bootstrapped by Kong `version` (or empty), with one service of its own. */
async function database(version?: string): Promise<string> {
  const name = `m_${++n}`;
  await server.createDatabase(name);
  if (version !== undefined) {
    const result = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, name), KONG_SIM_VERSION: version });
    expect(result.exitCode, result.stderr).toBe(0);
    await sql(server, name, `INSERT INTO services (id, name, host, port, protocol, retries, created_at, updated_at${version.startsWith('1.') ? '' : ', ws_id'})
      VALUES ('5b1a3b4e-0000-4000-8000-000000000001', 'orders', 'orders.internal', 80, 'http', 5, now(), now()${version.startsWith('1.') ? '' : ", (SELECT id FROM workspaces WHERE name = 'default')"})`);
  }
  return name;
}

function request(db: string, overrides: Partial<MigrateRequest>): MigrateRequest {
  return baseRequest(server, db, bins, overrides);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    const value = (await promise) as { failure?: UpgradeError };
    if (value?.failure) return value.failure.message;
  } catch (error) {
    expect(error).toBeInstanceOf(UpgradeError);
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('2.8.5 → 3.4.2, one hop: every state transition', () => {
  it('new → (gates) → up → pending → (gates) → finish → up-to-date', async () => {
    const db = await database('2.8.5');
    const v342 = parseKongVersion('3.4.2');

    const listed = await migrate(request(db, { command: 'list', version: v342 }), captureLog());
    expect(listed.stateBefore?.kind).toBe('new');
    expect(listed.stateBefore?.new.core).toEqual(['016_280_to_300', '017_300_to_310', '018_310_to_320', '019_320_to_330', '020_330_to_340']);
    expect(listed.stateBefore?.executed.core).toContain('015_270_to_280');

    // up without any backup: refused before Kong runs.
    expect(await failure(migrate(request(db, { command: 'up', version: v342, backup: { kind: 'none' } }), captureLog()))).toMatch(/backup gate: no backup manifest/);

    const manifest = await backUp(server, db, work);
    const log = captureLog();
    const up = await migrate(request(db, { command: 'up', version: v342, backup: { kind: 'manifest', path: manifest, allowChangesAfterBackup: false, verify: 'checksums' } }), log);
    expect(up.failure).toBeUndefined();
    expect(up.outcome).toBe('succeeded');
    expect(up.stateBefore?.kind).toBe('new');
    expect(up.stateAfter?.kind).toBe('pending');
    expect(up.stateAfter?.pending).toEqual({ core: ['016_280_to_300'], 'http-log': ['001_280_to_300'], 'post-function': ['001_280_to_300'], 'pre-function': ['001_280_to_300'] });
    expect(up.executed).toHaveLength(15);
    expect(up.executed.filter((m) => m.result === 'pending').map((m) => `${m.subsystem}/${m.name}`)).toEqual(['core/016_280_to_300', 'http-log/001_280_to_300', 'post-function/001_280_to_300', 'pre-function/001_280_to_300']);
    expect(log.lines.some((l) => l.includes('--db-timeout 60'))).toBe(true);
    // The rows as Kong left them.
    const rows = await schemaMeta(server, db);
    expect(rows.get('core')?.pending).toEqual(['016_280_to_300']);

    // A second up: pending migrations of an earlier upgrade remain.
    expect(await failure(migrate(request(db, { command: 'up', version: v342 }), captureLog()))).toMatch(/refused: pending migrations of an earlier upgrade remain \(core: 016_280_to_300; http-log: 001_280_to_300; post-function: 001_280_to_300; pre-function: 001_280_to_300\)/);

    // finish: no smoke report, a failing one, one of the old version: refused.
    expect(await failure(migrate(request(db, { command: 'finish', version: v342, smoke: { kind: 'none' } }), captureLog()))).toMatch(/smoke gate: finish needs smoke-report/);
    const failing = writeSmokeReport(path.join(work, 'smoke-fail.json'), '3.4.2', false, { served: servedBy(server, db) });
    expect(await failure(migrate(request(db, { command: 'finish', version: v342, smoke: { kind: 'report', path: failing, maxAgeMs: HOUR } }), captureLog()))).toMatch(/did not pass: admin-version \(fail\)/);
    const old = writeSmokeReport(path.join(work, 'smoke-old.json'), '2.8.5', true, { served: servedBy(server, db) });
    expect(await failure(migrate(request(db, { command: 'finish', version: v342, smoke: { kind: 'report', path: old, maxAgeMs: HOUR } }), captureLog()))).toMatch(/tested Kong 2\.8\.5, not 3\.4\.2/);
    expect((await schemaMeta(server, db)).get('core')?.pending).toEqual(['016_280_to_300']);

    const passing = writeSmokeReport(path.join(work, 'smoke-342.json'), '3.4.2', true, { served: servedBy(server, db) });
    const finish = await migrate(request(db, { command: 'finish', version: v342, smoke: { kind: 'report', path: passing, maxAgeMs: HOUR } }), captureLog());
    expect(finish.failure).toBeUndefined();
    expect(finish.stateBefore?.kind).toBe('pending');
    expect(finish.stateAfter?.kind).toBe('up-to-date');
    expect(finish.executed.map((m) => `${m.command}:${m.subsystem}/${m.name}:${m.result}`)).toEqual(['finish:core/016_280_to_300:executed', 'finish:http-log/001_280_to_300:executed', 'finish:post-function/001_280_to_300:executed', 'finish:pre-function/001_280_to_300:executed']);

    const again = await migrate(request(db, { command: 'finish', version: v342 }), captureLog());
    expect(again.outcome).toBe('nothing-to-do');
    // bootstrap on a bootstrapped database: refused, never `bootstrap -f` (a reset).
    expect(await failure(migrate(request(db, { command: 'bootstrap', version: v342 }), captureLog()))).toMatch(/refused: the database is already bootstrapped/);
  });

  it('needs-bootstrap: list, up refused, bootstrap → up-to-date', async () => {
    const db = await database();
    const v = parseKongVersion('3.4.2');
    expect((await migrate(request(db, { command: 'list', version: v }), captureLog())).stateBefore?.kind).toBe('needs-bootstrap');
    expect(await failure(migrate(request(db, { command: 'up', version: v }), captureLog()))).toMatch(/not bootstrapped/);
    const boot = await migrate(request(db, { command: 'bootstrap', version: v }), captureLog());
    expect(boot.failure).toBeUndefined();
    expect(boot.stateAfter?.kind).toBe('up-to-date');
    expect(boot.executed).toHaveLength(58);
  });

  it('pending-and-new: a 3.4.2 up left unfinished, then 3.9.3 arrives', async () => {
    const db = await database('2.8.5');
    await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2') }), captureLog());
    const listed = await migrate(request(db, { command: 'list', version: parseKongVersion('3.9.3') }), captureLog());
    expect(listed.stateBefore?.kind).toBe('pending-and-new');
    expect(listed.stateBefore?.pending).toEqual({ core: ['016_280_to_300'], 'http-log': ['001_280_to_300'], 'post-function': ['001_280_to_300'], 'pre-function': ['001_280_to_300'] });
    expect(await failure(migrate(request(db, { command: 'up', version: parseKongVersion('3.9.3') }), captureLog()))).toMatch(/pending migrations of an earlier upgrade remain/);
  });

  it('a plugin list that leaves out a plugin with pending migrations is caught from schema_meta', async () => {
    const db = await database('2.8.5');
    await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2') }), captureLog());
    const log = captureLog();
    // Kong with key-auth only: its list shows core pending but not http-log's or the functions'.
    const message = await failure(migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2'), plugins: ['key-auth'] }), log));
    expect(message).toMatch(/core: 016_280_to_300/);
    expect(log.warnings.join('\n')).toMatch(/subsystems this Kong does not load \(http-log: 001_280_to_300; post-function: 001_280_to_300; pre-function: 001_280_to_300\)/);
  });
});

describe('3.4.2 → 3.9.3 hop by hop with a plan', () => {
  it('refuses the multi-hop upgrade without a plan, naming the hops', async () => {
    const db = await database('3.4.2');
    const message = await failure(migrate(request(db, { command: 'up', version: parseKongVersion('3.9.3'), backup: { kind: 'waived' } }), captureLog()));
    expect(message).toMatch(/input 'plan-json': the database is at Kong 3\.4 and 3\.9\.3 is 5 hops away \(3\.4\.0 → 3\.5\.0, .* → 3\.9\.3\)/);
  });

  it('dry run lists each hop\'s migrations and finish work, changing nothing', async () => {
    const db = await database('3.4.2');
    const plan = writePlan(work, '3.4.2', '3.9.3');
    const loaded = { path: plan, plan: await readPlanFile(plan) };
    expect(loaded.plan.hops.map((h) => h.to)).toEqual(HOPS_34_TO_39.slice(1));
    const before = await schemaMeta(server, db);
    const result = await migrate(request(db, { command: 'up-and-finish', plan: loaded, dryRun: true, backup: { kind: 'none' } }), captureLog());
    expect(result.outcome).toBe('dry-run');
    expect(result.previews.map((p) => p.version)).toEqual(HOPS_34_TO_39.slice(1));
    const byVersion = new Map(result.previews.map((p) => [p.version, p]));
    expect(byVersion.get('3.5.0')?.upWouldRun).toEqual({ core: ['021_340_to_350'] });
    expect(byVersion.get('3.5.0')?.finishWork).toEqual({});
    expect(byVersion.get('3.6.1')?.finishWork).toEqual({ acme: ['003_350_to_360'], opentelemetry: ['001_331_to_332'], 'rate-limiting': ['006_350_to_360'], 'response-ratelimiting': ['001_350_to_360'] });
    expect(byVersion.get('3.9.3')?.upWouldRun).toEqual({ core: ['024_380_to_390'] });
    expect(result.warnings.join('\n')).toMatch(/backup gate would refuse: no backup manifest/);
    expect(await schemaMeta(server, db)).toEqual(before);
  });

  it('up and finish as separate steps follow the plan\'s current hop', async () => {
    const db = await database('3.4.2');
    const plan = writePlan(work, '3.4.2', '3.9.3');
    const loaded = { path: plan, plan: await readPlanFile(plan) };
    const up = await migrate(request(db, { command: 'up', plan: loaded }), captureLog());
    expect(up.commands.map((c) => `${c.hop}:${c.command}`)).toEqual(['3.5.0:up']);
    expect(up.stateAfter?.kind).toBe('up-to-date'); // 3.5 has no teardown
    const up2 = await migrate(request(db, { command: 'up', plan: loaded }), captureLog());
    expect(up2.commands.map((c) => `${c.hop}:${c.command}`)).toEqual(['3.6.1:up']);
    expect(up2.stateAfter?.kind).toBe('pending');
    const finish = await migrate(request(db, { command: 'finish', plan: loaded, smoke: { kind: 'report', maxAgeMs: HOUR, path: writeSmokeReport(path.join(work, 'smoke-361.json'), '3.6.1', true, { served: servedBy(server, db) }) } }), captureLog());
    expect(finish.commands.map((c) => `${c.hop}:${c.command}`)).toEqual(['3.6.1:finish']);
    expect(finish.stateAfter?.kind).toBe('up-to-date');
  });

  it('up-and-finish walks every hop with its own version, re-reading the state between hops', async () => {
    const db = await database('3.4.2');
    const plan = writePlan(work, '3.4.2', '3.9.3');
    const manifest = await backUp(server, db, work);
    const result = await migrate(
      request(db, { command: 'up-and-finish', plan: { path: plan, plan: await readPlanFile(plan) }, backup: { kind: 'manifest', path: manifest, allowChangesAfterBackup: false, verify: 'checksums' }, smoke: { kind: 'none' } }),
      captureLog(),
    );
    expect(result.failure).toBeUndefined();
    expect(result.commands.map((c) => `${c.hop}:${c.command}:${c.stateAfter.kind}`)).toEqual([
      '3.5.0:up:up-to-date',
      '3.6.1:up:pending',
      '3.6.1:finish:up-to-date',
      '3.7.1:up:pending',
      '3.7.1:finish:up-to-date',
      // 3.8 ships no migration (facts §4.1): its hop has nothing to run.
      '3.9.3:up:up-to-date',
    ]);
    expect(result.stateBefore?.kind).toBe('new');
    expect(result.stateAfter?.kind).toBe('up-to-date');
    expect(result.stateAfter?.executed.core?.at(-1)).toBe('024_380_to_390');
    const list39 = await migrate(request(db, { command: 'list', version: parseKongVersion('3.9.3') }), captureLog());
    expect(list39.stateBefore?.kind).toBe('up-to-date');
  });
});

describe('another node and failures', () => {
  it('up: the lock released by another node → Kong exits 0 with "aborted:", detected as a failure', async () => {
    const db = await database('2.8.5');
    await holdMigrationsLock(server, db, 3);
    const result = await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2'), lockTimeoutSeconds: 20 }), captureLog());
    expect(result.commands[0]?.exitCode).toBe(0);
    expect(result.failure?.message).toMatch(/another node changed the database; state is now new/);
  });

  it('finish with the lock held: aborted at once, exit 0, a failure', async () => {
    const db = await database('2.8.5');
    await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2') }), captureLog());
    await holdMigrationsLock(server, db, 60);
    const result = await migrate(request(db, { command: 'finish', version: parseKongVersion('3.4.2') }), captureLog());
    expect(result.failure?.message).toMatch(/another node changed the database; state is now pending/);
  });

  it('up with the lock still held after lock-timeout: the lock\'s expiry', async () => {
    const db = await database('2.8.5');
    await holdMigrationsLock(server, db, 120);
    const result = await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2'), lockTimeoutSeconds: 1 }), captureLog());
    expect(result.failure?.message).toMatch(/the migrations lock was still held after lock-timeout \(1 s\); it expires at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect(result.stateAfter?.kind).toBe('new');
  });

  it('a migration that fails mid-way: which one, the state after, the rollback path', async () => {
    const db = await database('2.8.5');
    process.env.KONG_SIM_FAIL_AT = 'core:018_310_to_320';
    let result;
    try {
      result = await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2') }), captureLog());
    } finally {
      delete process.env.KONG_SIM_FAIL_AT;
    }
    const message = result.failure?.message ?? '';
    expect(message).toMatch(/failed at migration core\/018_310_to_320 \(up\)/);
    expect(message).toMatch(/2 migration\(s\) of this run completed before it/);
    expect(message).toMatch(/State after: pending-and-new \(1 pending: core: 016_280_to_300/);
    expect(message).toMatch(/restore the backup .* `kong migrations down` is no rollback/);
    expect(result.stateAfter?.kind).toBe('pending-and-new');
    expect(result.executed.map((m) => m.name)).toEqual(['016_280_to_300', '017_300_to_310']);
    expect(await locks(server, db)).toEqual([]);
  });

  it('under --v (every line after a timestamp and level) the same failure names the same migration and subsystem', async () => {
    const db = await database('2.8.5');
    // A kong whose every command runs with --v, as a wrapper script or an alias may do.
    const verbose = path.join(work, 'kong-verbose-3.4.2');
    writeFileSync(verbose, `#!/bin/sh\nexec "${path.join(bins, 'kong-3.4.2')}" "$@" --v\n`, { mode: 0o755 });
    const log = captureLog();
    process.env.KONG_SIM_FAIL_AT = 'core:018_310_to_320';
    let result;
    try {
      result = await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2'), runner: { kind: 'binary', kongPath: verbose } }), log);
    } finally {
      delete process.env.KONG_SIM_FAIL_AT;
    }
    expect(log.lines.some((line) => /^ {2}\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[info\] migrating core on /.test(line))).toBe(true);
    expect(result.failure?.message).toMatch(/failed at migration core\/018_310_to_320 \(up\): .*2 migration\(s\) of this run completed before it/);
    expect(result.executed.map((m) => `${m.subsystem}/${m.name}`)).toEqual(['core/016_280_to_300', 'core/017_300_to_310']);
  });
});

describe('backup gate', () => {
  it('refuses another database\'s manifest', async () => {
    const a = await database('2.8.5');
    const b = await database('2.8.5');
    const manifest = await backUp(server, b, work);
    const message = await failure(migrate(request(a, { command: 'up', version: parseKongVersion('3.4.2'), backup: { kind: 'manifest', path: manifest, allowChangesAfterBackup: false, verify: 'checksums' } }), captureLog()));
    expect(message).toMatch(new RegExp(`backup gate: the manifest .* is of another database: .*/${b} .*this is .*/${a} `));
  });

  it('refuses a manifest older than an Admin API change, naming the table; allow-changes-after-backup lets it through', async () => {
    const db = await database('2.8.5');
    const manifest = await backUp(server, db, work);
    // What POST /services does: a row in services.
    await sql(server, db, `INSERT INTO services (id, name, host, port, protocol, retries, created_at, updated_at, ws_id)
      VALUES ('5b1a3b4e-0000-4000-8000-000000000002', 'billing', 'billing.internal', 80, 'http', 5, now(), now(), (SELECT id FROM workspaces WHERE name = 'default'))`);
    const gate = { kind: 'manifest' as const, path: manifest, allowChangesAfterBackup: false, verify: 'checksums' as const };
    const message = await failure(migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2'), backup: gate }), captureLog()));
    expect(message).toMatch(/backup gate: the database changed since the backup of .*: services: 2 rows, backup has 1/);
    expect((await schemaMeta(server, db)).get('core')?.executed).not.toContain('017_300_to_310');
    const log = captureLog();
    const allowed = await migrate(request(db, { command: 'up', version: parseKongVersion('3.4.2'), backup: { ...gate, allowChangesAfterBackup: true } }), log);
    expect(allowed.failure).toBeUndefined();
    expect(log.warnings.join('\n')).toMatch(/allow-changes-after-backup is true: .*services/);
  });
});

describe('check (preflight)', () => {
  it('passes a valid kong.conf and fails one the target version rejects, naming the error', async () => {
    const db = await database('2.8.5');
    const good = path.join(work, 'good.conf');
    const bad = path.join(work, 'bad.conf');
    writeFileSync(good, 'pg_timeout = 5000\n');
    writeFileSync(bad, 'pg_timeout = soon\n');
    const ok = await migrate(request(db, { command: 'check', version: parseKongVersion('3.4.2'), kongConf: good }), captureLog());
    expect(ok.failure).toBeUndefined();
    expect(ok.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['kong-conf:pass', 'plugins:pass', expect.stringMatching(/^postgres:(pass|warning)$/)]);
    expect(ok.stateBefore?.kind).toBe('new');
    const ko = await migrate(request(db, { command: 'check', version: parseKongVersion('3.4.2'), kongConf: bad }), captureLog());
    expect(ko.failure?.message).toMatch(/kong-conf: Kong 3\.4\.2 rejects .*bad\.conf: pg_timeout is not a number/);
  });
});
