import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { runAction, type ActionRun } from '../helpers/run-action.js';
import { createKongDatabase } from '../database/kong-db.js';
import { withClient } from '../kong-sim/helpers.js';
import { fakeDeckArchive, releaseServer } from '../database/fake-deck.js';
import { writeFakeNodetool } from '../database/fake-nodetool.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startKongNode } from '../kong-sim/start.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { FALLBACK_EE_DDL } from '../kong-sim/seed/fallback-schema.mjs';

// The bundled action (dist/backup-db/index.js) as the runner runs it. Build first: scripts/build.mjs.
let server: PostgresServer;
let work: string;

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  await createKongDatabase(server, 'kong');
  work = mkdtempSync(path.join(os.tmpdir(), 'backup-action-'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const url = (database: string) => `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}?sslmode=disable`;

function expectNoSecret(run: ActionRun, secret: string): void {
  // `::add-mask::<secret>` is the masking itself: the runner consumes it and never shows it.
  const stdout = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
  for (const [where, text] of Object.entries({ stdout, stderr: run.stderr, summary: run.summary, outputs: JSON.stringify(run.outputs) })) {
    expect(text.includes(secret), `${where} shows the password`).toBe(false);
  }
}

/** Every process's argv (/proc/<pid>/cmdline), polled until a pg_dump of `dir` shows up, while a lock holds it. */
async function argvWhilePgDumpRuns(dir: string, start: () => Promise<ActionRun>): Promise<{ run: ActionRun; argv: string[] }> {
  const blocker = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'kong' });
  await blocker.connect();
  await blocker.query('BEGIN; LOCK TABLE services IN ACCESS EXCLUSIVE MODE');
  const running = start();
  let argv: string[] = [];
  try {
    for (let i = 0; i < 150; i++) {
      await new Promise((r) => setTimeout(r, 100));
      argv = allCmdlines();
      if (argv.some((line) => line.includes('pg_dump') && line.includes(dir))) break;
    }
  } finally {
    await blocker.query('ROLLBACK');
    await blocker.end();
  }
  return { run: await running, argv };
}

function allCmdlines(): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // gone
    }
  }
  return lines;
}

describe('backup-db action (dist)', () => {
  it('backup → verify → restore through the bundle; the password is in no log, output, summary or argv', async () => {
    const backupDir = path.join(work, 'url');
    const { run: backup, argv } = await argvWhilePgDumpRuns(backupDir, () =>
      runAction('backup-db', { 'database-url': url('kong'), 'backup-dir': backupDir }),
    );
    expect(backup.exitCode, backup.stdout).toBe(0);
    expect(argv.some((line) => line.includes('pg_dump') && line.includes(backupDir))).toBe(true);
    expect(argv.filter((line) => line.includes(server.password))).toEqual([]);
    expect(backup.masked).toContain(server.password);
    expectNoSecret(backup, server.password);
    expect(backup.outputs['kong-version']).toBe('3.4');
    expect(backup.outputs.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(backup.outputs.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(backup.outputs['size-bytes'])).toBeGreaterThan(1000);
    expect(backup.outputs['backup-path']).toMatch(/kong\.dump$/);
    expect(backup.summary).toContain('Kong database backup');
    expect(backup.summary).toMatch(/kong\.conf/);
    expect(backup.summary).toMatch(/licence/);
    expect(backup.summary).toMatch(/custom plugins/);
    expect(backup.summary).toMatch(/nginx templates/);

    const manifest = backup.outputs['manifest-path']!;
    const verify = await runAction('backup-db', { mode: 'verify', manifest, 'trial-restore': true, 'database-url': url('postgres') });
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(verify.summary).toMatch(/trial restore into a scratch database: fingerprint equals the manifest/);
    expectNoSecret(verify, server.password);

    const restore = await runAction('backup-db', { mode: 'restore', manifest, 'target-database-url': url('kong_restored'), jobs: 2 });
    expect(restore.exitCode, restore.stdout).toBe(0);
    expect(restore.outputs.fingerprint).toBe(backup.outputs.fingerprint);
    expect(JSON.parse(readFileSync(restore.outputs['manifest-path']!, 'utf8')).lineage.restoredFrom.manifest).toBe(manifest);
    expectNoSecret(restore, server.password);

    const over = await runAction('backup-db', { mode: 'restore', manifest, 'database-url': url('kong') });
    expect(over.exitCode).toBe(1);
    expect(over.annotations[0]?.message).toMatch(/^input 'allow-restore-over-source': /);
  });

  it('a password given alone (pg-password) stays out of argv and logs too', async () => {
    const backupDir = path.join(work, 'separate');
    const inputs = { 'pg-host': server.host, 'pg-port': server.port, 'pg-user': server.user, 'pg-password': server.password, 'pg-database': 'kong', 'pg-sslmode': 'disable', 'backup-dir': backupDir };
    const { run, argv } = await argvWhilePgDumpRuns(backupDir, () => runAction('backup-db', inputs));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(argv.some((line) => line.includes('pg_dump') && line.includes(backupDir))).toBe(true);
    expect(argv.filter((line) => line.includes(server.password))).toEqual([]);
    expectNoSecret(run, server.password);
  });

  it('bad inputs fail naming the input, before anything happens', async () => {
    const backupDir = path.join(work, 'bad');
    const format = await runAction('backup-db', { 'database-url': url('kong'), 'backup-dir': backupDir, format: 'tar' });
    expect(format.exitCode).toBe(1);
    expect(format.annotations[0]?.message).toBe(`input 'format': "tar" is not one of custom, directory`);

    const password = await runAction('backup-db', { 'pg-host': server.host, 'pg-port': server.port, 'pg-user': server.user, 'pg-password': 'wrong-secret-123', 'pg-database': 'kong', 'backup-dir': backupDir });
    expect(password.exitCode).toBe(1);
    expect(password.annotations[0]?.message).toMatch(/^input 'pg-password': PostgreSQL refused the login/);
    expectNoSecret(password, 'wrong-secret-123');

    const restore = await runAction('backup-db', { mode: 'restore' });
    expect(restore.annotations[0]?.message).toMatch(/^input 'manifest': is required/);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it('mode export: every workspace through the Admin API with the RBAC token, decK from a release archive; the token in no log, summary or argv', async () => {
    const token = 'rbac-action-token-77';
    // An Enterprise node's database has its EE tables (consumer_groups) too.
    await createKongDatabase(server, 'kong_ee');
    await withClient(server, 'kong_ee', (client) => client.query(FALLBACK_EE_DDL));
    const node = await startKongNode({ pg: url('kong_ee'), version: '3.4.3.5', edition: 'enterprise', rbacToken: token });
    const archive = fakeDeckArchive(work, '1.40.0');
    const { createHash } = await import('node:crypto');
    const releases = await releaseServer({
      '/v1.40.0/deck_1.40.0_linux_amd64.tar.gz': archive,
      '/v1.40.0/checksums.txt': Buffer.from(`${createHash('sha256').update(archive).digest('hex')}  deck_1.40.0_linux_amd64.tar.gz\n`),
    });
    try {
      const backupDir = path.join(work, 'export');
      const run = await runAction(
        'backup-db',
        { mode: 'export', 'admin-url': node.adminUrl, 'admin-token': token, 'backup-dir': backupDir, 'deck-version': 'v1.40.0', 'deck-download-url': `${releases.url}/v{version}/deck_{version}_{os}_{arch}.tar.gz` },
        { env: { RUNNER_TOOL_CACHE: path.join(work, 'tool-cache') } },
      );
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.masked).toContain(token);
      expectNoSecret(run, token);
      const index = JSON.parse(readFileSync(run.outputs['manifest-path']!, 'utf8'));
      expect(index.workspaces).toEqual(['default', 'team-b']);
      expect(index.counts['team-b'].services).toBe(50);
      expect(index.counts.default.routes).toBeGreaterThan(0);
      expect(index.deck.files).toEqual(['deck/default.yaml', 'deck/team-b.yaml']);
      const dump = readFileSync(path.join(run.outputs['backup-path']!, 'deck/team-b.yaml'), 'utf8');
      expect(/# argv: .*/.exec(dump)![0]).not.toContain(token);
      expect(run.summary).toContain('Kong declarative export');
      expect(run.summary).toMatch(/\| team-b \|/);
      expect(run.summary).toMatch(/holds credentials/);
    } finally {
      await releases.close();
      await node.stop();
    }
  });

  it('mode cassandra-snapshot: every node through nodetool, restore steps in the summary, the JMX password off argv and logs', async () => {
    const fake = writeFakeNodetool(path.join(work, 'nodetool'));
    const run = await runAction('backup-db', {
      mode: 'cassandra-snapshot', 'cassandra-hosts': 'cass-1\ncass-2:7299', 'nodetool-path': fake.path, 'snapshot-tag': 'pre-3.4',
      'jmx-username': 'cassandra', 'jmx-password': 'jmx-secret-99', 'kong-version': '3.3.1', 'backup-dir': path.join(work, 'cassandra'),
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['snapshot-tag']).toBe('pre-3.4');
    expect(JSON.parse(readFileSync(run.outputs['manifest-path']!, 'utf8')).format).toBe('cassandra-snapshot');
    expect(run.summary).toContain('### Restore steps');
    expect(run.summary).toContain('nodetool refresh kong <table>');
    expectNoSecret(run, 'jmx-secret-99');
    expect(readFileSync(fake.log, 'utf8')).not.toContain('jmx-secret-99');

    const bad = await runAction('backup-db', { mode: 'cassandra-snapshot', 'cassandra-hosts': 'cass-1:99999', 'nodetool-path': fake.path });
    expect(bad.annotations[0]?.message).toBe(`input 'cassandra-hosts': "cass-1:99999": port 99999 is not 1-65535`);
    const noAdmin = await runAction('backup-db', { mode: 'export' });
    expect(noAdmin.annotations[0]?.message).toMatch(/^input 'admin-url': is required for mode export/);
    const deck = await runAction('backup-db', { mode: 'export', 'admin-url': 'http://127.0.0.1:1', 'deck-version': 'latest' });
    expect(deck.annotations[0]?.message).toBe(`input 'deck-version': "latest" is not an exact decK version like 1.40.0`);
  });
});
