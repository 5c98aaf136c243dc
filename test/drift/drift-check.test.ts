// The drift check on real PostgreSQL: a Kong database (the simulator's bootstrap, seeded), backed
// up by the suite's own backup, then written to as the Admin API would (rows added, removed,
// changed); the check must name each table, count and row, leave the freeze's rows out, accept
// only what accept-drift says, carry an acceptance forward only while the table is unchanged,
// read an encrypted archive with its key (and say what it cannot name without), and after a
// migration tell a column Kong added from a write.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import { checkDrift, type DriftRequest } from '../../src/drift/check.js';
import { describeDrift, renderDriftMarkdown, type DriftReport } from '../../src/drift/report.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { withClient } from '../kong-sim/helpers.js';
import { createKongDatabase, pgTarget, rejection, subdir } from '../database/kong-db.js';

let server: PostgresServer;
let work: string;
const PASSPHRASE = 'drift test passphrase 2024';

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'drift-test-'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let databases = 0;
/** A fresh seeded Kong database and its backup, dumped under another time zone than the check's. */
async function backedUp(encrypted = false): Promise<{ database: string; manifest: string }> {
  const database = `kong_${++databases}`;
  await createKongDatabase(server, database, 20);
  const zone = process.env.PGTZ;
  process.env.PGTZ = 'America/New_York';
  try {
    const backup = await backupPostgres({
      source: pgTarget(server, database), backupDir: subdir(work, database), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir,
      ...(encrypted && { encryption: { method: 'gpg-symmetric', passphrase: PASSPHRASE } as const }),
    });
    return { database, manifest: backup.manifestPath };
  } finally {
    if (zone === undefined) delete process.env.PGTZ;
    else process.env.PGTZ = zone;
  }
}

const sql = (database: string, text: string) => withClient(server, database, (client) => client.query(text));

function check(database: string, manifest: string, extra: Partial<DriftRequest> = {}): Promise<DriftReport> {
  return checkDrift({
    point: 'promote', manifestPath: manifest, manifestInput: 'drift-manifest', database: pgTarget(server, database),
    acceptance: { kind: 'none' }, encryption: undefined, leaveOut: [], earlier: [], binDir: server.bindir, log: () => {}, ...extra,
  });
}

/** Writes as the Admin API would make them after the backup. */
async function writeAfterBackup(database: string): Promise<void> {
  await sql(database, `
    INSERT INTO routes (id, name, service_id, protocols, paths, strip_path, preserve_host, ws_id, created_at, updated_at)
      VALUES ('6f1e6c36-0000-4000-8000-00000000a001', 'late-route', md5('svc1')::uuid, '{http}', '{/late}', true, false, (SELECT id FROM workspaces WHERE name = 'default'), now(), now());
    DELETE FROM keyauth_credentials WHERE consumer_id = md5('consumer3')::uuid;
    DELETE FROM consumers WHERE id = md5('consumer3')::uuid;
    UPDATE services SET retries = 9 WHERE id = md5('svc5')::uuid;
  `);
}

describe('drift check against the backup manifest', () => {
  it('is clean right after the backup, although the archive printed timestamps in another zone', async () => {
    const { database, manifest } = await backedUp();
    const report = await check(database, manifest);
    expect(report).toMatchObject({ schema: 'kong-upgrade/drift-report@1', point: 'promote', outcome: 'clean', tables: [], accepted: [], migratedSinceBackup: false });
    expect(describeDrift(report)).toMatch(/equals the backup of/);
    // A touched timestamp alone is a change: the zone is normalised, not ignored.
    await sql(database, `UPDATE routes SET updated_at = updated_at + interval '1 second' WHERE id = md5('route2')::uuid`);
    const touched = await check(database, manifest);
    expect(touched.tables.map((t) => [t.table, t.changed?.map((r) => r.name)])).toEqual([['routes', ['route-2']]]);
  });

  it('names the tables, counts and rows written after the backup, and refuses them', async () => {
    const { database, manifest } = await backedUp();
    await writeAfterBackup(database);
    const report = await check(database, manifest);
    expect(report.outcome).toBe('refused');
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]));
    expect(Object.keys(byTable).sort()).toEqual(['consumers', 'keyauth_credentials', 'routes', 'services']);
    expect(byTable.routes).toMatchObject({ backupRows: 40, rows: 41, added: [{ id: '6f1e6c36-0000-4000-8000-00000000a001', name: 'late-route' }], removed: [], changed: [], accepted: null });
    expect(byTable.consumers).toMatchObject({ backupRows: 20, rows: 19, removed: [{ name: 'user-3' }] });
    expect(byTable.services).toMatchObject({ backupRows: 20, rows: 20, changed: [{ name: 'service-5' }] });
    // A credential is named by its id only: nothing of its content is shown.
    expect(byTable.keyauth_credentials!.removed).toEqual([{ id: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    expect(JSON.stringify(report)).not.toContain('secret-key-');
    expect(describeDrift(report)).toContain('routes: 41 rows, backup has 40 (added 1: "late-route" 6f1e6c36-0000-4000-8000-00000000a001)');
    expect(describeDrift(report)).toContain('services: same 20 rows, content differs (changed 1: "service-5"');
    expect(renderDriftMarkdown(report)).toContain('writes since the backup, refused');
  });

  it('accepts what accept-drift names, and only that; an acceptance carries forward while the table stays as accepted', async () => {
    const { database, manifest } = await backedUp();
    await writeAfterBackup(database);
    const some = await check(database, manifest, { acceptance: { kind: 'tables', tables: ['routes', 'services'] } });
    expect(some.outcome).toBe('refused');
    expect(some.tables.filter((t) => t.accepted === 'now').map((t) => t.table)).toEqual(['routes', 'services']);
    const all = await check(database, manifest, { acceptance: { kind: 'all' } });
    expect(all.outcome).toBe('accepted');
    expect(all.accepted).toEqual([expect.objectContaining({ point: 'promote', acceptDrift: 'true' })]);
    expect(all.accepted[0]!.tables.map((t) => t.table)).toEqual(['consumers', 'keyauth_credentials', 'routes', 'services']);
    expect(renderDriftMarkdown(all)).toMatch(/Drift accepted[\s\S]*before promote \(.*accept-drift: true\): routes: 41 rows, backup has 40 \(added 1: "late-route"/);

    // A later check with no acceptance of its own: the same state passes as accepted earlier.
    const later = await check(database, manifest, { point: 'retire-blue', earlier: [all] });
    expect(later.outcome).toBe('accepted');
    expect(later.tables.every((t) => t.accepted === 'earlier')).toBe(true);
    expect(later.accepted).toEqual(all.accepted);
    // One more write after the acceptance: that table is refused again, the others stay accepted.
    await sql(database, `UPDATE routes SET name = 'renamed-late' WHERE name = 'late-route'`);
    const after = await check(database, manifest, { point: 'retire-blue', earlier: [all, later] });
    expect(after.outcome).toBe('refused');
    expect(after.tables.filter((t) => t.accepted === null).map((t) => t.table)).toEqual(['routes']);
    expect(after.accepted).toHaveLength(1);
  });

  it('leaves the write freeze\'s own route and plugin out', async () => {
    const { database, manifest } = await backedUp();
    await sql(database, `
      INSERT INTO routes (id, name, service_id, protocols, paths, methods, strip_path, preserve_host, ws_id, created_at, updated_at)
        VALUES ('6f1e6c36-0000-4000-8000-00000000f001', 'freeze', md5('svc1')::uuid, '{http}', '{/admin}', '{POST}', true, false, (SELECT id FROM workspaces WHERE name = 'default'), now(), now());
      INSERT INTO plugins (id, name, route_id, config, enabled, ws_id, created_at)
        VALUES ('6f1e6c36-0000-4000-8000-00000000f002', 'request-termination', '6f1e6c36-0000-4000-8000-00000000f001', '{"status_code": 423}', true, (SELECT id FROM workspaces WHERE name = 'default'), now());
    `);
    const leaveOut = [
      { table: 'routes', id: '6f1e6c36-0000-4000-8000-00000000f001', why: 'the write freeze' },
      { table: 'plugins', id: '6f1e6c36-0000-4000-8000-00000000f002', why: 'the write freeze' },
    ];
    expect((await check(database, manifest)).tables.map((t) => t.table)).toEqual(['plugins', 'routes']);
    const report = await check(database, manifest, { leaveOut });
    expect(report.outcome).toBe('clean');
    expect(report.leftOut).toEqual(leaveOut);
    // The team's own write beside the freeze is still found.
    await writeAfterBackup(database);
    const written = await check(database, manifest, { leaveOut });
    expect(written.tables.find((t) => t.table === 'routes')).toMatchObject({ rows: 41, added: [{ name: 'late-route' }] });
  });

  it('an encrypted archive: tables and counts without the key, rows named with it', async () => {
    const { database, manifest } = await backedUp(true);
    await writeAfterBackup(database);
    const blind = await check(database, manifest);
    const routes = blind.tables.find((t) => t.table === 'routes')!;
    expect(routes).toMatchObject({ backupRows: 40, rows: 41, added: null, note: expect.stringContaining('give encryption-passphrase') });
    expect(blind.outcome).toBe('refused');
    const named = await check(database, manifest, { encryption: { method: 'gpg-symmetric', passphrase: PASSPHRASE } });
    expect(named.tables.find((t) => t.table === 'routes')!.added).toEqual([{ id: '6f1e6c36-0000-4000-8000-00000000a001', name: 'late-route' }]);
  });

  it('after up (schema_meta differs): a column a migration added is not drift, a row written is', async () => {
    const { database, manifest } = await backedUp();
    await sql(database, `
      ALTER TABLE services ADD COLUMN kong_added text DEFAULT 'x';
      UPDATE schema_meta SET pending = ARRAY['099_340_to_350'] WHERE key = 'schema_meta' AND subsystem = 'core';
    `);
    const report = await check(database, manifest);
    expect(report).toMatchObject({ outcome: 'clean', migratedSinceBackup: true });
    await sql(database, `UPDATE services SET host = 'moved.internal' WHERE id = md5('svc7')::uuid`);
    const written = await check(database, manifest);
    expect(written.tables.map((t) => [t.table, t.changed?.map((r) => r.name)])).toEqual([['services', ['service-7']]]);
  });

  it('refuses a manifest of another database, naming the input', async () => {
    const first = await backedUp();
    const second = await backedUp();
    const error = await rejection(check(second.database, first.manifest));
    expect(error.message).toMatch(new RegExp(`^input 'drift-manifest': .* is the backup of .*/${first.database}, not of .*/${second.database}`));
  });
});
