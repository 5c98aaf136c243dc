import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { parseFileCommand, runAction, type ActionRun } from '../helpers/run-action.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { gatedPgRestore, waitForFile } from '../database/gated-pg-restore.js';
import { makeKeyPair } from '../database/gpg-keys.js';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import { pgTarget } from '../database/kong-db.js';
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
    // The password file lives in the run's private folder under RUNNER_TEMP, gone after the run.
    const passwordFile = /-pwf (\S+)/.exec(readFileSync(fake.log, 'utf8'))![1]!;
    expect(passwordFile).toMatch(/\/runner-temp\/kong-upgrade-[^/]+\/nodetool-[^/]+\/jmxremote\.password$/);
    expect(existsSync(path.dirname(path.dirname(passwordFile)))).toBe(false);

    const bad = await runAction('backup-db', { mode: 'cassandra-snapshot', 'cassandra-hosts': 'cass-1:99999', 'nodetool-path': fake.path });
    expect(bad.annotations[0]?.message).toBe(`input 'cassandra-hosts': "cass-1:99999": port 99999 is not 1-65535`);
    const noAdmin = await runAction('backup-db', { mode: 'export' });
    expect(noAdmin.annotations[0]?.message).toMatch(/^input 'admin-url': is required for mode export/);
    const deck = await runAction('backup-db', { mode: 'export', 'admin-url': 'http://127.0.0.1:1', 'deck-version': 'latest' });
    expect(deck.annotations[0]?.message).toBe(`input 'deck-version': "latest" is not an exact decK version like 1.40.0`);
  });
});

/**
 * A run of the bundle that the test stops from outside, as a cancelled job (SIGTERM) or a killed
 * runner (SIGKILL) would: its own RUNNER_TEMP and state file, so its node process can be found
 * and its post step run with the state it saved.
 */
function interruptibleRun(name: string, inputs: Record<string, string | number | boolean>, env: Record<string, string> = {}) {
  const home = mkdtempSync(path.join(work, `${name}-`));
  const runnerTemp = path.join(home, 'runner-temp');
  const stateFile = path.join(home, 'state');
  mkdirSync(runnerTemp);
  writeFileSync(stateFile, '');
  const runnerEnv = { RUNNER_TEMP: runnerTemp, GITHUB_STATE: stateFile, ...env };
  const running = runAction('backup-db', inputs, { env: runnerEnv, timeoutMs: 120_000 });
  running.catch(() => {});
  return {
    runnerTemp,
    running,
    /** The action's node process: the one whose environment holds this run's RUNNER_TEMP. */
    pid(): number {
      for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
        try {
          const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
          if (!cmdline.includes('dist/backup-db/index.js')) continue;
          if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`RUNNER_TEMP=${runnerTemp}`)) return Number(entry);
        } catch {
          // gone
        }
      }
      throw new Error('the action process is not running');
    },
    /** backup-db's post step with the inputs and the state the main step saved. */
    post(): Promise<ActionRun> {
      const state = parseFileCommand(readFileSync(stateFile, 'utf8'));
      const stateEnv = Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]));
      return runAction('backup-db', inputs, { entry: path.join(REPO_ROOT, 'dist/backup-db/post/index.js'), env: { ...runnerEnv, ...stateEnv } });
    },
  };
}

const databasesLike = (pattern: string) =>
  withClient(server, 'postgres', (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [pattern])).then((r) => r.rows.map((row) => row.datname));

const restoreSessions = () =>
  withClient(server, 'postgres', (c) => c.query<{ waiting: boolean }>("SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE application_name LIKE 'kong-upgrade-restore-%'")).then((r) => r.rows);

/** The ledger entries of the run folder under `runnerTemp` (lib/run-dir.ts), none before it exists. */
function ledgerEntries(runnerTemp: string): { kind: string; pid?: number | null }[] {
  const [folder] = readdirSync(runnerTemp);
  if (folder === undefined) return [];
  const ledger = path.join(runnerTemp, folder, 'ledger');
  return readdirSync(ledger).filter((name) => name.endsWith('.json')).map((name) => JSON.parse(readFileSync(path.join(ledger, name), 'utf8')));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met');
}

describe('backup-db action (dist): interrupted runs leave nothing, or say what they left', () => {
  let manifest: string;
  beforeAll(async () => {
    const backup = await runAction('backup-db', { 'database-url': url('kong'), 'backup-dir': path.join(work, 'for-interrupts') });
    expect(backup.exitCode, backup.stdout).toBe(0);
    manifest = backup.outputs['manifest-path']!;
  }, 120_000);

  it('cancelled (SIGTERM) while a clean restore with jobs 2 waits on a lock: pg_restore and its sessions stopped, the summary and the error say the target is partly restored', async () => {
    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_term TEMPLATE kong'));
    const gated = gatedPgRestore(work, server.bindir, 'term');
    const run = interruptibleRun('term', { mode: 'restore', manifest, 'target-database-url': url('kong_term'), 'restore-method': 'clean', jobs: 2, 'pg-bin-dir': gated.binDir });
    await gated.started();
    const holder = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'kong_term' });
    await holder.connect();
    await holder.query('BEGIN; SELECT count(*) FROM services');
    await gated.release();
    await until(async () => (await restoreSessions()).some((s) => s.waiting));
    process.kill(run.pid(), 'SIGTERM');
    const result = await run.running;
    expect(result.exitCode).toBe(1);
    expect(result.annotations[0]?.message).toMatch(/^restore-method clean: cancelled; "kong_term" is PARTLY RESTORED/);
    expect(result.summary).toMatch(/"kong_term" on 127\.0\.0\.1:\d+ is PARTLY RESTORED: restore-method clean with jobs 2 stopped halfway/);
    expect(await restoreSessions()).toEqual([]);
    await holder.query('ROLLBACK');
    await holder.end();
    expect(await restoreSessions()).toEqual([]);
  });

  it('killed (SIGKILL) during a swap restore: the post step stops the orphaned pg_restore, drops the scratch database, removes the run folder; the target is untouched', async () => {
    await withClient(server, 'postgres', (c) => c.query('CREATE DATABASE kong_killed'));
    await withClient(server, 'kong_killed', (c) => c.query('CREATE TABLE marker (x int); INSERT INTO marker VALUES (42)'));
    const gated = gatedPgRestore(work, server.bindir, 'killed');
    const inputs = { mode: 'restore', manifest, 'target-database-url': url('kong_killed'), 'pg-bin-dir': gated.binDir };
    const run = interruptibleRun('killed', inputs);
    await gated.started();
    // Killed once the ledger names the running pg_restore (its pid is written once it has spawned).
    await until(async () => ledgerEntries(run.runnerTemp).some((entry) => entry.kind === 'process' && entry.pid !== null));
    process.kill(run.pid(), 'SIGKILL');
    await run.running.catch(() => undefined);

    const [scratch] = await databasesLike('kong\\_killed\\_\\_restore%');
    expect(scratch).toBeDefined();
    expect(allCmdlines().some((line) => line.includes(gated.binDir))).toBe(true);
    expect(readdirSync(run.runnerTemp)).toHaveLength(1);

    const post = await run.post();
    expect(post.exitCode, post.stdout).toBe(0);
    expect(post.summary).toMatch(/## backup-db: cleaned up after an interrupted step/);
    expect(post.summary).toMatch(/pg_restore \(pid \d+\) restoring into "kong_killed__restore_[0-9a-f]{8}" on 127\.0\.0\.1:\d+: stopped/);
    expect(post.summary).toMatch(/dropped the scratch database "kong_killed__restore_/);
    expect(await databasesLike('kong\\_killed%')).toEqual(['kong_killed']);
    expect((await withClient(server, 'kong_killed', (c) => c.query('SELECT x FROM marker'))).rows).toEqual([{ x: 42 }]);
    await until(async () => !allCmdlines().some((line) => line.includes(gated.binDir)));
    expect(readdirSync(run.runnerTemp)).toEqual([]);
  });

  it('killed (SIGKILL) after decrypting with a private key: the post step stops the gpg-agent and removes the imported key and the plaintext dump', async () => {
    const key = makeKeyPair(work, 'Kong Backup <backup@example.test>', '');
    const encrypted = await backupPostgres({
      source: pgTarget(server, 'kong'), backupDir: path.join(work, 'recipient'), format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir,
      encryption: { method: 'gpg-recipient', recipients: ['backup@example.test'], publicKey: key.publicKey },
    });
    // A gpg that decrypts, then waits: the run is killed with the key imported, its agent running
    // and the plaintext archive written.
    const wrapper = mkdtempSync(path.join(work, 'gpg-wrapper-'));
    const realGpg = execFileSync('sh', ['-c', 'command -v gpg'], { encoding: 'utf8' }).trim();
    const gate = path.join(wrapper, 'gate');
    const decrypted = path.join(wrapper, 'decrypted');
    execFileSync('mkfifo', [gate]);
    writeFileSync(path.join(wrapper, 'gpg'), `#!/bin/sh\ncase " $* " in *" --decrypt "*) '${realGpg}' "$@"; s=$?; touch '${decrypted}'; read line < '${gate}'; exit $s;; esac\nexec '${realGpg}' "$@"\n`);
    chmodSync(path.join(wrapper, 'gpg'), 0o755);
    const inputs = { mode: 'restore', manifest: encrypted.manifestPath, 'target-database-url': url('kong_gpg_killed'), 'encryption-private-key': key.privateKey };
    const run = interruptibleRun('gpg-killed', inputs, { PATH: `${wrapper}:${process.env.PATH}` });
    await waitForFile(decrypted);
    process.kill(run.pid(), 'SIGKILL');
    await run.running.catch(() => undefined);
    await writeFile(gate, 'go\n');

    const [folder] = readdirSync(run.runnerTemp);
    const runDir = path.join(run.runnerTemp, folder!);
    // gpg's home is in the run folder, or in the system temp folder when the run folder's path
    // is too long for gpg-agent's sockets: the ledger names it either way.
    const ledger = readdirSync(path.join(runDir, 'ledger')).find((name) => name.startsWith('gpg-home-'))!;
    const home = (JSON.parse(readFileSync(path.join(runDir, 'ledger', ledger), 'utf8')) as { path: string }).path;
    expect(readdirSync(path.join(home, 'private-keys-v1.d')).length).toBeGreaterThan(0);
    const restoreDir = readdirSync(runDir).find((name) => name.startsWith('kong-restore-'))!;
    expect(readFileSync(path.join(runDir, restoreDir, 'kong.dump')).subarray(0, 5).toString()).toBe('PGDMP');
    const agent = () => allCmdlines().some((line) => line.includes('gpg-agent') && line.includes(home));
    expect(agent()).toBe(true);

    const post = await run.post();
    expect(post.exitCode, post.stdout).toBe(0);
    expect(post.summary).toMatch(/stopped the gpg-agent and removed a gpg home holding the imported key/);
    await until(async () => !agent());
    expect(existsSync(home)).toBe(false);
    expect(readdirSync(run.runnerTemp)).toEqual([]);
  });
});
