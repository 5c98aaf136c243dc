import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import { inputError, stepError, UpgradeError } from '../../lib/errors.js';
import type { RunDir } from '../../lib/run-dir.js';
import { execCommand } from '../../lib/exec.js';
import { describeDatabase, libpqEnvironment } from '../connection.js';
import { readSchemaMeta } from '../../kong/schema-meta.js';
import type { EncryptionOptions } from '../encryption.js';
import { compareFingerprints, writeManifestAtomically, type BackupManifest, type DatabaseIdentity, type FingerprintAlgorithm } from '../manifest.js';
import { openArchive, type OpenedArchive } from './archive.js';
import { connect, dbnameArgument, libpqFailure, quoteIdent, withClient, withDatabase, type DatabaseTarget } from './connect.js';
import { readIdentity } from './dump.js';
import { assembleFacts, assertFingerprintComputable, entityTablesPresent, readEntityFacts, readWorkspaceNames, scanEntityTable, SCAN_SETTINGS, type EntityFacts, type TableScan } from './fingerprint.js';
import { watchLocks } from './lock-watch.js';
import { loadedTablesReader, PROGRESS_LINE } from './restore-lines.js';
import { dropScratch, endSessions, scratchKey, swapIn } from './swap.js';
import { findPgTools, serverMajor, type PgTools } from './tools.js';

/**
 * `swap` (default): restore into a fresh scratch database on the target server, check its
 * fingerprint and schema_meta, then rename the target aside, rename the copy in and drop the
 * previous one (swap.ts), so the target is untouched until the copy is known good and whole
 * whenever the swap cannot complete. Needs CREATEDB and the target's ownership. `clean`:
 * `pg_restore --clean --if-exists` into the existing database (one transaction when jobs is 1),
 * for roles that cannot create databases; tables the archive does not hold stay.
 */
export type RestoreMethod = 'swap' | 'clean';

export interface RestoreOptions {
  readonly manifestPath: string;
  /** How the target's lineage names the backup's manifest (its s3:// URL when read from a bucket); default manifestPath. */
  readonly manifestName?: string | undefined;
  readonly target: DatabaseTarget;
  readonly method: RestoreMethod;
  readonly jobs: number;
  readonly allowRestoreOverSource: boolean;
  readonly allowLiveConnections: boolean;
  /** The database to connect to for CREATE/DROP DATABASE; default `postgres`. */
  readonly maintenanceDatabase?: string | undefined;
  readonly encryption?: EncryptionOptions | undefined;
  readonly binDir?: string | undefined;
  readonly workDir?: string | undefined;
  readonly dryRun?: boolean | undefined;
  /** How long pg_restore --clean may wait for a lock another session holds (input lock-timeout); default 30 s. */
  readonly lockTimeoutMs?: number | undefined;
  /** The run's private folder (decrypted archive) and ledger (scratch databases, the swap, pg_restore). */
  readonly runDir?: RunDir | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface RestoreResult {
  readonly source: BackupManifest;
  /** The target's manifest (lineage restoredFrom); undefined on a dry run. */
  readonly manifest: BackupManifest | undefined;
  readonly manifestPath: string | undefined;
  readonly dryRun: boolean;
  /** What was (or, on a dry run, would be) done. */
  readonly actions: readonly string[];
  /** The previous target, renamed aside by a swap, when it could not be dropped after. */
  readonly previousKept: string | undefined;
}

export async function restorePostgres(options: RestoreOptions): Promise<RestoreResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date();
  const target = options.target;
  const name = target.db.database;
  // swap checks the checksums while pg_restore fills the scratch database (swapRestore awaits
  // them before the target changes); clean writes the target itself, so it checks them first.
  const archive = await openArchive({
    manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, runDir: options.runDir, signal: options.signal, log,
    deferChecksums: options.method === 'swap' && !options.dryRun,
  });
  try {
    const source = archive.manifest;
    const maintenance = withDatabase(target, options.maintenanceDatabase ?? 'postgres');
    const admin = await connect(maintenance, 'connecting to the target server');
    let tools: PgTools;
    let targetIdentity: DatabaseIdentity;
    let checked: Facts | undefined;
    let previousKept: string | undefined;
    let live: string[] = [];
    const actions: string[] = [];
    try {
      const identity = await readIdentity(admin, target);
      targetIdentity = identity.database;
      tools = await findPgTools(options.binDir, serverMajor(identity.versionNum));
      assertFingerprintComputable(source.fingerprint.algorithm, identity.versionNum, identity.database.serverVersion);
      const archiveMajor = Number(source.dump.toolVersion.split('.')[0]);
      if (tools.major < archiveMajor) {
        throw stepError('checking the PostgreSQL client version', `the archive was written by pg_dump ${source.dump.toolVersion}; pg_restore ${tools.version} cannot read it: install a client of major ${archiveMajor} or newer and set pg-bin-dir`);
      }
      if (sameDatabase(source.database, targetIdentity) && !options.allowRestoreOverSource) {
        throw inputError('allow-restore-over-source', `the target ${describeDatabase(target.db)} is the database this backup was taken from (system identifier ${source.database.systemIdentifier ?? 'unknown'}, database "${source.database.database}"); restoring would replace it with the backup's state. Set allow-restore-over-source: true for a rollback`);
      }
      const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
      if (!exists && options.method === 'clean') {
        throw inputError(target.inputs.database, `database "${name}" does not exist on ${target.db.host}:${target.db.port}; restore-method clean restores into an existing database (use swap to create it)`);
      }
      live = exists ? await liveConnections(admin, name) : [];
      if (live.length > 0 && !options.allowLiveConnections) {
        throw inputError('allow-live-connections', `the target database "${name}" has ${live.length} live connection(s) (${live.slice(0, 5).join(', ')}); stop the Kong nodes using it, or set allow-live-connections: true to disconnect them`);
      }
      const disconnect = live.length > 0 ? `disconnect ${live.length} session(s), ` : '';
      if (options.method === 'swap') {
        actions.push(`restore into a scratch database on ${target.db.host}:${target.db.port} with pg_restore${options.jobs > 1 ? ` -j ${options.jobs}` : ''}, check its fingerprint and schema_meta`);
        if (exists) actions.push(`${disconnect}rename "${name}" aside, rename the scratch database to "${name}", then drop the previous one (renamed back if anything fails)`);
        else actions.push(`rename the scratch database to "${name}"`);
      } else {
        actions.push(`${disconnect}pg_restore --clean --if-exists into "${name}"${options.jobs > 1 ? ` -j ${options.jobs} (not in one transaction: stopped halfway, it leaves the database partly restored)` : ' in one transaction'}, waiting at most ${lockTimeout(options) / 1000} s for a lock`);
      }
      actions.push('compare the fingerprint with the manifest and write the target manifest');
      if (options.dryRun) {
        return { source, manifest: undefined, manifestPath: undefined, dryRun: true, actions, previousKept: undefined };
      }
      if (options.method === 'swap') {
        // The renamed copy is the database whose fingerprint was just checked: no second scan.
        ({ facts: checked, previousKept } = await swapRestore(options, archive, tools, admin, exists, log));
      } else if (live.length > 0) {
        const stuck = await endSessions(admin, name);
        if (stuck.length > 0) throw stepError('disconnecting the target\'s sessions', `${stuck.length} session(s) on "${name}" could not be ended (${stuck.join(', ')}); nothing was restored. End them (or grant the restoring role pg_signal_backend) and restore again`);
        log(`Ended ${live.length} session(s) on "${name}"`);
      }
    } finally {
      await admin.end().catch(() => {});
    }
    if (options.method === 'clean') await cleanRestore(options, archive, tools, log);

    const after = checked ?? (await readFacts(target, source.fingerprint.algorithm));
    const differences = restoredDifferences(source, after);
    if (differences.length > 0) {
      throw stepError('checking the restored database', `it differs from the manifest: ${differences.join('; ')}`);
    }
    log(`Fingerprint of ${describeDatabase(target.db)} equals the backup's (${after.entities.fingerprint.digest.slice(0, 16)}…)`);
    const manifest: BackupManifest = {
      ...source,
      database: targetIdentity,
      lineage: {
        restoredFrom: {
          manifest: options.manifestName ?? archive.manifestPath,
          database: source.database,
          fingerprint: source.fingerprint.digest,
          finishedAt: source.finishedAt,
        },
      },
      schemaMeta: after.schemaMeta ?? null,
      counts: after.entities.counts,
      fingerprint: after.entities.fingerprint,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
    const manifestPath = path.join(archive.folder, `restored-${safe(target.db.host)}-${target.db.port}-${safe(name)}.manifest.json`);
    await writeManifestAtomically(manifestPath, manifest);
    if (previousKept) actions.push(`the previous "${name}" could not be dropped and is kept as "${previousKept}"`);
    return { source, manifest, manifestPath, dryRun: false, actions, previousKept };
  } finally {
    await archive.close();
  }
}

/** How a restored database differs from its manifest: fingerprint table by table, then schema_meta. */
function restoredDifferences(manifest: BackupManifest, facts: Facts): string[] {
  const differences = compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
  if (JSON.stringify(facts.schemaMeta ?? null) !== JSON.stringify(manifest.schemaMeta)) differences.push('its schema_meta rows differ from the manifest');
  return differences;
}

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

function lockTimeout(options: RestoreOptions): number {
  return options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
}

/**
 * Into a scratch database, checked (checksums, fingerprint, schema_meta) before the target is
 * touched, then swapped in (swap.ts). The scratch database is in the run's ledger while it exists.
 */
async function swapRestore(
  options: RestoreOptions,
  archive: OpenedArchive,
  tools: PgTools,
  admin: pg.Client,
  exists: boolean,
  log: (line: string) => void,
): Promise<{ facts: Facts; previousKept: string | undefined }> {
  const name = options.target.db.database;
  const scratch = scratchName(name, 'restore');
  const { host, port } = options.target.db;
  await options.runDir?.note(scratchKey(scratch), { kind: 'scratch-database', host, port, database: scratch });
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`);
  } catch (error) {
    await options.runDir?.forget(scratchKey(scratch));
    throw stepError('creating the scratch database', `${(error as Error).message}; the role needs CREATEDB for restore-method swap, or use restore-method clean`, error);
  }
  const scratchTarget = withDatabase(options.target, scratch);
  let facts: Facts;
  try {
    // The archive's SHA-256 runs beside pg_restore instead of before it, so it adds nothing to
    // the restore's time: only the scratch database sees an unchecked archive, a failed checksum
    // stops pg_restore, and the target changes only after both checks pass.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const checksums = archive.checksums.catch((error: unknown) => {
      stop.abort();
      throw error;
    });
    const copy = restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs, archive.manifest.fingerprint.algorithm, signal, log, options.runDir);
    const [checked, restored] = await Promise.allSettled([checksums, copy]);
    // A damaged archive is the cause of whatever pg_restore then said (or of its being stopped).
    if (checked.status === 'rejected') throw checked.reason;
    if (restored.status === 'rejected') throw restored.reason;
    facts = restored.value;
    const differences = restoredDifferences(archive.manifest, facts);
    if (differences.length > 0) {
      throw stepError('checking the restored copy', `it differs from the manifest, the target was left as it was: ${differences.join('; ')}`);
    }
  } catch (error) {
    // A stopped pg_restore's sessions may still be ending; dropScratch ends them first.
    const dropped = await dropScratch(admin, scratch, options.runDir);
    if (!dropped) log(`The scratch database "${scratch}" could not be dropped: drop it by hand`);
    throw error;
  }
  const { previousKept } = await swapIn(admin, { host, port, name, scratch, exists, disconnect: options.allowLiveConnections, aside: scratchName(name, 'previous') }, options.runDir, log);
  return { facts, previousKept };
}

/**
 * `pg_restore --clean --if-exists` into the target itself. One job: one transaction, so a failure
 * or a stop leaves the target as it was. More jobs: no transaction, so a failure leaves it partly
 * restored, which the error says. Every lock it waits for is bounded (lock-watch.ts): a client
 * holding one makes it stop instead of queueing every other query behind it.
 */
async function cleanRestore(options: RestoreOptions, archive: OpenedArchive, tools: PgTools, log: (line: string) => void): Promise<void> {
  const name = options.target.db.database;
  const transaction = options.jobs > 1 ? [`--jobs=${options.jobs}`] : ['--single-transaction'];
  const applicationName = restoreApplicationName();
  const watch = await watchLocks(options.target, applicationName, lockTimeout(options));
  // Until pg_restore is done: a killed run's post step says what state the target is in.
  await options.runDir?.note('clean-restore', { kind: 'clean-restore', host: options.target.db.host, port: options.target.db.port, database: name, jobs: options.jobs });
  try {
    await runPgRestore(tools, archive.dumpPath, options.target, { extra: ['--clean', '--if-exists', ...transaction], signal: options.signal, log, runDir: options.runDir, applicationName });
  } catch (error) {
    await watch.end();
    // One transaction rolled back: nothing to report later. Partly restored: the entry stays, for the summary.
    if (options.jobs === 1) await options.runDir?.forget('clean-restore');
    const state = options.jobs > 1
      ? `"${name}" is PARTLY RESTORED: with jobs ${options.jobs} pg_restore runs without one transaction, and it had dropped or emptied tables before it stopped. Restore again before anything uses it (restore-method swap leaves the target whole until the copy is checked)`
      : `"${name}" was left as it was (one transaction, rolled back)`;
    const blockedBy = watch.blockedBy();
    if (blockedBy !== undefined) {
      throw inputError('lock-timeout', `another session held a lock pg_restore needed for more than ${lockTimeout(options) / 1000} s (${blockedBy}); ${state}. Stop the clients of "${name}" (allow-live-connections: true ends the sessions present when the restore starts), or raise lock-timeout`, error);
    }
    const detail = error instanceof UpgradeError ? error.message : (error as Error).message;
    throw stepError('restore-method clean', `${options.signal?.aborted ? 'cancelled' : detail}; ${state}`, error);
  }
  await watch.end();
  await options.runDir?.forget('clean-restore');
}

/** pg_restore's application_name, its own per run so its sessions (and its workers') can be found. */
function restoreApplicationName(): string {
  return `kong-upgrade-restore-${randomBytes(4).toString('hex')}`;
}

interface PgRestoreRun {
  readonly extra: readonly string[];
  readonly signal: AbortSignal | undefined;
  readonly log: (line: string) => void;
  readonly onLine?: ((line: string) => void) | undefined;
  /** Where the running pg_restore is recorded, for backup-db's post step to stop if this run is killed. */
  readonly runDir?: RunDir | undefined;
  readonly applicationName?: string | undefined;
}

async function runPgRestore(tools: PgTools, dumpPath: string, target: DatabaseTarget, run: PgRestoreRun): Promise<void> {
  const started = Date.now();
  const applicationName = run.applicationName ?? restoreApplicationName();
  const key = `process-${applicationName}`;
  // In the ledger before it starts (its sessions can be found by name), with its pid once known.
  const entry = { kind: 'process', command: 'pg_restore', applicationName, host: target.db.host, port: target.db.port, database: target.db.database };
  await run.runDir?.note(key, { ...entry, pid: null });
  let recorded: Promise<void> | undefined;
  // --no-owner / --no-acl: the copy belongs to the restoring role (preprod's Kong user), not to
  // roles of the source cluster that may not exist here. --exit-on-error: a partial restore fails.
  const result = await execCommand({
    command: tools.pgRestore,
    args: ['--no-password', '--no-owner', '--no-acl', '--exit-on-error', ...(run.onLine ? ['--verbose'] : []), dbnameArgument(target.db.database), ...run.extra, dumpPath],
    env: {
      ...libpqEnvironment(target.db),
      PGAPPNAME: applicationName,
      PGCONNECT_TIMEOUT: '10',
    },
    signal: run.signal ?? new AbortController().signal,
    onSpawn: (pid) => {
      recorded = run.runDir?.note(key, { ...entry, pid }).catch(() => {});
    },
    ...(run.onLine && { onLine: (line: string, stream: 'stdout' | 'stderr') => stream === 'stderr' && run.onLine!(line) }),
  });
  await recorded;
  await run.runDir?.forget(key);
  if (result.exitCode !== 0 || result.signal !== undefined) {
    const stderr = result.stderr.split('\n').filter((line) => !PROGRESS_LINE.test(line)).join('\n');
    const connection = libpqFailure(target, stderr);
    if (connection) throw connection;
    throw stepError('pg_restore', `${result.aborted ? 'stopped' : result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
  run.log(`pg_restore into ${describeDatabase(target.db)} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

type Facts = { schemaMeta: Awaited<ReturnType<typeof readSchemaMeta>>; entities: EntityFacts };

/**
 * pg_restore into a database nobody else writes to (a swap's or trial restore's scratch copy),
 * and that copy's schema_meta and fingerprint. Each entity table is scanned on a second
 * connection as soon as pg_restore has loaded it (restore-lines.ts), while pg_restore goes on
 * with the next tables and then builds indexes and constraints, which with one job leaves the
 * other core idle: the fingerprint then adds little to the restore's time. Tables not seen to
 * finish are scanned after pg_restore exits, so reading its lines makes the check sooner, never
 * different. Not for `clean`: its one transaction hides every table until the end.
 */
export async function restoreAndReadFacts(
  tools: PgTools,
  dumpPath: string,
  target: DatabaseTarget,
  jobs: number,
  algorithm: FingerprintAlgorithm,
  signal: AbortSignal | undefined,
  log: (line: string) => void,
  runDir?: RunDir,
): Promise<Facts> {
  const loaded: string[] = [];
  // An object, not a variable: its field changes under the scanner's awaits.
  const restore: { state: 'restoring' | 'restored' | 'failed' } = { state: 'restoring' };
  let wake: () => void = () => {};
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  const onLine = loadedTablesReader(jobs, (table) => {
    loaded.push(table);
    wake();
  });

  const scanner = (async (): Promise<Facts | undefined> => {
    while (loaded.length === 0 && restore.state === 'restoring') await changed();
    if (restore.state === 'failed') return undefined;
    return withClient(target, 'reading the fingerprint of the restored copy', async (client) => {
      await client.query(SCAN_SETTINGS.join('; '));
      // Pre-data (every CREATE TABLE) is restored before any table's data, in either mode.
      const tables = await entityTablesPresent(client);
      const byName = new Map(tables.map((table) => [table.table, table]));
      const scans = new Map<string, TableScan>();
      let afterRestore = 0;
      const started = Date.now();
      for (;;) {
        const name = loaded.shift();
        if (name !== undefined) {
          const table = byName.get(name);
          if (table && !scans.has(name)) scans.set(name, await scanEntityTable(client, table, algorithm));
          continue;
        }
        if (restore.state === 'failed') return undefined;
        if (restore.state === 'restored') break;
        await changed();
      }
      for (const table of tables) {
        if (scans.has(table.table)) continue;
        scans.set(table.table, await scanEntityTable(client, table, algorithm));
        afterRestore++;
      }
      const schemaMeta = await readSchemaMeta(client);
      const entities = assembleFacts(tables.map((table) => scans.get(table.table)!), algorithm, await readWorkspaceNames(client, tables));
      log(`Fingerprint of the restored copy: ${tables.length} entity tables, ${tables.length - afterRestore} of them read while pg_restore ran, ${((Date.now() - started) / 1000).toFixed(2)} s`);
      return { schemaMeta, entities };
    });
  })();
  // Handled here so a failing scanner is not an unhandled rejection while pg_restore still runs;
  // its error is rethrown where it is awaited below.
  scanner.catch(() => undefined);

  try {
    await runPgRestore(tools, dumpPath, target, { extra: jobs > 1 ? [`--jobs=${jobs}`] : [], signal, log, onLine, runDir });
  } catch (error) {
    restore.state = 'failed';
    wake();
    // Wait for the scanner's connection to close, so the scratch database can be dropped.
    await scanner.catch(() => undefined);
    throw error;
  }
  restore.state = 'restored';
  wake();
  return (await scanner)!;
}

export async function readFacts(target: DatabaseTarget, algorithm?: FingerprintAlgorithm): Promise<Facts> {
  return withClient(target, 'reading the fingerprint', async (client) => {
    await client.query(SCAN_SETTINGS.join('; '));
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const schemaMeta = await readSchemaMeta(client);
    const entities = await readEntityFacts(client, algorithm);
    await client.query('COMMIT');
    return { schemaMeta, entities };
  });
}

async function liveConnections(admin: pg.Client, database: string): Promise<string[]> {
  const result = await admin.query<{ who: string }>(
    `SELECT coalesce(nullif(application_name, ''), 'unnamed') || '@' || coalesce(host(client_addr), 'local') AS who
       FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [database],
  );
  return result.rows.map((row) => row.who);
}

/** Same database: same cluster (system identifier) and name; host and port when the identifier is unknown. */
export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  if (a.database !== b.database) return false;
  if (a.systemIdentifier !== null && b.systemIdentifier !== null) return a.systemIdentifier === b.systemIdentifier;
  return a.host === b.host && a.port === b.port;
}

/** A database name ≤ 63 bytes (NAMEDATALEN), unique per run. */
export function scratchName(base: string, purpose: string): string {
  const suffix = `__${purpose}_${randomBytes(4).toString('hex')}`;
  // Plain characters only, so the name means the same to SQL, libpq and a log line.
  return `${base.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 63 - suffix.length)}${suffix}`;
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}
