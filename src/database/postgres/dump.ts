import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { inputError, stepError, UpgradeError } from '../../lib/errors.js';
import { execCommand } from '../../lib/exec.js';
import { syncPaths } from '../../lib/fsync.js';
import type { RunDir } from '../../lib/run-dir.js';
import { describeDatabase, libpqEnvironment } from '../connection.js';
import { kongLineFromSchemaMeta, readSchemaMeta, type SchemaMetaRow } from '../../kong/schema-meta.js';
import { archiveChecksum, describeFiles, listFiles } from '../checksums.js';
import { encryptFiles, encryptStream, ENCRYPTED_SUFFIX, type EncryptionOptions } from '../encryption.js';
import { MANIFEST_SCHEMA, writeManifestAtomically, type BackupManifest, type DatabaseIdentity, type ManifestFile } from '../manifest.js';
import { formatS3Url } from '../object-storage/location.js';
import { openRemoteBackup, type ObjectStorageTarget, type RemoteBackup } from '../object-storage/remote-backup.js';
import type { ChunkSource } from '../object-storage/upload.js';
import { compressionArgs, formatCompression, parseCompression } from './compression.js';
import { openDumpPipe, type DumpPipe } from './dump-pipe.js';
import { connect, libpqFailure, type DatabaseTarget } from './connect.js';
import { readEntityFacts, SCAN_SETTINGS, type EntityFacts } from './fingerprint.js';
import { checkPgTools, probePgTools, serverMajor, type PgTools } from './tools.js';
import { timeStamp } from '../../lib/time-stamp.js';

export type DumpFormat = 'custom' | 'directory';

export interface BackupOptions {
  readonly source: DatabaseTarget;
  /** A folder for this backup is created inside; it is removed again if the backup fails. */
  readonly backupDir: string;
  readonly format: DumpFormat;
  readonly jobs: number;
  /** The `compression` input as given (see compression.ts). */
  readonly compression: string;
  /** Kong version to record; else the release line read from schema_meta. */
  readonly kongVersion?: string | undefined;
  readonly binDir?: string | undefined;
  readonly encryption?: EncryptionOptions | undefined;
  /**
   * Where the backup goes instead of backupDir: a prefix of a bucket, under which the backup gets
   * its own prefix (named as its folder would be). The archive is streamed up as pg_dump writes
   * it, custom format only: nothing of it touches the runner's disk.
   */
  readonly objectStorage?: ObjectStorageTarget | undefined;
  /** Name of the backup's folder (or prefix); default `kong-<database>-<UTC time>`. */
  readonly name?: string | undefined;
  /** The run's ledger: the backup folder is in it until it is whole (or removed), gpg's home too. */
  readonly runDir?: RunDir | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface BackupResult {
  readonly manifest: BackupManifest;
  /** A path, or an s3:// URL for a backup in object storage (also archivePath and folder). */
  readonly manifestPath: string;
  /** The archive: the dump file (custom) or folder (directory), encrypted or not. */
  readonly archivePath: string;
  readonly folder: string;
}

export const MANIFEST_FILE = 'manifest.json';
const PROGRESS_EVERY_MS = 10_000;

/**
 * A backup: pg_dump of an exported snapshot while the same snapshot's schema_meta, entity counts
 * and fingerprint are read on the exporting connection (the other core works on them while
 * pg_dump runs), then checksums, optional encryption, and the manifest, written last and
 * atomically. On any failure, including pg_dump being killed, the folder is removed: no manifest
 * and no partial files.
 */
export async function backupPostgres(options: BackupOptions): Promise<BackupResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date();
  const { db } = options.source;
  const name = options.name ?? `kong-${db.database.replace(/[^A-Za-z0-9_.-]/g, '_')}-${timeStamp(startedAt)}`;
  let remote: RemoteBackup | undefined;
  let folder = path.resolve(options.backupDir, name);
  let opening: Promise<RemoteBackup> | undefined;
  if (options.objectStorage) {
    // pg_dump writes a directory archive file by file, and seeks in it: only custom streams.
    if (options.format !== 'custom') throw inputError('format', `is ${options.format}; a backup to object-storage is streamed as pg_dump writes it, which only format custom does`);
    // The bucket is opened (the SDK loaded, the prefix found empty and claimed) while the
    // database is connected to: ~0.1 s that every backup to object storage waited for first.
    opening = openRemoteBackup(options.objectStorage, name, `kong.dump${options.encryption ? ENCRYPTED_SUFFIX : ''}`, options.runDir, log);
    opening.catch(() => {}); // awaited below, or in the catch when connecting failed first
  } else {
    await mkdir(path.dirname(folder), { recursive: true }).catch((error: unknown) => {
      throw inputError('backup-dir', `cannot create ${options.backupDir}: ${(error as Error).message}`, error);
    });
    // In the ledger before it exists: a killed run leaves a folder without manifest (perhaps a
    // plaintext dump waiting for encryption), which backup-db's post step removes.
    await options.runDir?.note(BACKUP_FOLDER_KEY, { kind: 'backup-folder', path: folder });
    await mkdir(folder).catch(async (error: unknown) => {
      await options.runDir?.forget(BACKUP_FOLDER_KEY);
      throw inputError('backup-dir', `cannot create ${folder}: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists already' : (error as Error).message}`, error);
    });
  }

  let client: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    // `pg_dump --version` runs while we connect: start-up time is part of every backup's.
    const probing = probePgTools(options.binDir);
    client = await connect(options.source, 'connecting to the source database');
    // One round trip for all settings (simple query protocol runs them in order).
    await client.query(SCAN_SETTINGS.join('; '));
    const identity = await readIdentity(client, options.source);
    const tools = checkPgTools(await probing, serverMajor(identity.versionNum));
    const compression = parseCompression(options.compression, tools.major);
    log(`Backing up ${describeDatabase(db)} (PostgreSQL ${identity.database.serverVersion}) with pg_dump ${tools.version}, ${options.format} format, compression ${formatCompression(compression)}${options.format === 'directory' ? `, ${options.jobs} job(s)` : ''}`);

    // REPEATABLE READ: every query of this transaction sees the exported snapshot, which is
    // exactly what pg_dump --snapshot dumps. Held open until pg_dump is done.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;

    if (opening) {
      remote = await opening;
      folder = formatS3Url(remote.prefix);
    }
    const archiveName = options.format === 'custom' ? 'kong.dump' : 'kong.dir';
    const archive = path.join(folder, archiveName);
    const abort = new AbortController();
    const onOuterAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const factsClient = client;
    const facts = (async (): Promise<{ schemaMeta: SchemaMetaRow[] | undefined; entities: EntityFacts }> => {
      const factsStarted = Date.now();
      const schemaMeta = await readSchemaMeta(factsClient);
      const entities = await readEntityFacts(factsClient);
      // The time says what the fingerprint cost beside pg_dump (bench/backup.mjs reads it).
      log(`Fingerprint read in the dump's snapshot: ${Object.keys(entities.fingerprint.tables).length} entity tables, ${entities.fingerprint.algorithm}, ${((Date.now() - factsStarted) / 1000).toFixed(2)} s`);
      return { schemaMeta, entities };
    })();
    // If the facts fail, stop pg_dump rather than waiting for a dump we won't keep.
    facts.catch(() => abort.abort());
    const streamed = remote && streamToObjectStorage(remote, options, abort, await openDumpPipe(abort.signal));
    const dump = runPgDump(options, tools, streamed?.output ?? { file: archive }, snapshot, compressionArgs(compression, tools.major), abort.signal, log);
    streamed?.dumpSettled(dump);
    const [factsResult, dumpResult, uploadResult] = await Promise.allSettled([facts, dump, streamed?.uploaded]);
    options.signal?.removeEventListener('abort', onOuterAbort);
    // A failed read of the facts stopped pg_dump: its reason is the one to tell.
    if (factsResult.status === 'rejected' && !options.signal?.aborted) throw factsError(options.source, factsResult.reason);
    // A failed upload stopped pg_dump, and a failed pg_dump aborts the upload with its own error.
    if (uploadResult.status === 'rejected') throw uploadResult.reason;
    if (dumpResult.status === 'rejected') throw dumpResult.reason;
    if (factsResult.status === 'rejected') throw factsError(options.source, factsResult.reason);
    await client.query('COMMIT');
    await client.end().catch(() => {});
    client = undefined;

    const { files, archivePath } = remote && uploadResult.status === 'fulfilled' && uploadResult.value
      ? { files: [uploadResult.value], archivePath: remote.archiveUrl }
      : await finishLocalArchive(options, archive, folder);
    const sizeBytes = files.reduce((sum, f) => sum + f.sizeBytes, 0);
    const { schemaMeta, entities } = factsResult.value;
    const fromSchema = schemaMeta && kongLineFromSchemaMeta(schemaMeta);
    const manifest: BackupManifest = {
      schema: MANIFEST_SCHEMA,
      database: identity.database,
      lineage: { restoredFrom: null },
      kong: options.kongVersion !== undefined
        ? { version: options.kongVersion, source: 'input' }
        : fromSchema !== undefined
          ? { version: fromSchema, source: 'schema_meta' }
          : { version: null, source: 'unknown' },
      schemaMeta: schemaMeta ?? null,
      counts: entities.counts,
      fingerprint: entities.fingerprint,
      dump: {
        tool: 'pg_dump',
        toolVersion: tools.version,
        format: options.format,
        compression: formatCompression(compression),
        jobs: options.format === 'directory' ? options.jobs : 1,
        snapshot,
      },
      encryption: {
        method: options.encryption?.method ?? 'none',
        recipients: options.encryption?.method === 'gpg-recipient' ? options.encryption.recipients : [],
      },
      archive: { path: remote ? remote.archiveName : path.relative(folder, archivePath).split(path.sep).join('/'), checksum: archiveChecksum(files), sizeBytes },
      files,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    };
    const manifestPath = remote ? remote.manifestUrl : path.join(folder, MANIFEST_FILE);
    if (options.signal?.aborted) throw stepError('backup', 'cancelled');
    if (remote) {
      await remote.writeManifest(manifest);
    } else {
      await writeManifestAtomically(manifestPath, manifest).catch((error: unknown) => {
        throw diskError(error, folder);
      });
      await options.runDir?.forget(BACKUP_FOLDER_KEY);
    }
    log(`Backup complete: ${files.length} file(s), ${sizeBytes} bytes, in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s`);
    return { manifest, manifestPath, archivePath, folder };
  } catch (error) {
    if (client) {
      await client.query('ROLLBACK').catch(() => {});
      await client.end().catch(() => {});
    }
    if (opening) {
      await (remote ?? (await opening.catch(() => undefined)))?.discard();
    } else {
      await rm(folder, { recursive: true, force: true });
      await options.runDir?.forget(BACKUP_FOLDER_KEY);
    }
    throw error;
  }
}

/**
 * Where pg_dump writes: a file (or folder) it names with --file, stdout handed to a reader, or
 * stdout straight into another process's pipe.
 */
type DumpOutput =
  | { readonly file: string }
  | { readonly stdout: (stream: Readable) => void; readonly written: () => number }
  | { readonly stdoutTo: Writable; readonly written: () => number };

/**
 * pg_dump's stdout to the bucket, through dd (dump-pipe.ts) when there is one and gpg when
 * encrypting. pg_dump writes the custom format's table of contents once, first, without the data
 * offsets it writes back into a seekable file at the end: pg_restore reads such an archive in
 * order, and with --jobs finds each table's data by skipping from block to block. The manifest's
 * SHA-256 is of the bytes uploaded, hashed on the way.
 */
function streamToObjectStorage(remote: RemoteBackup, options: BackupOptions, abort: AbortController, pipe: DumpPipe | undefined) {
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const dumpEnded = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  dumpEnded.catch(() => {});
  let written = 0;
  let uploaded: Promise<ManifestFile> | undefined;
  const start = async (stdout: ChunkSource): Promise<ManifestFile> => {
    const encrypted = options.encryption && (await encryptStream(asReadable(stdout), options.encryption, abort.signal, options.runDir));
    const producerDone = Promise.all([dumpEnded, pipe?.done, encrypted ? encrypted.done : undefined]);
    producerDone.catch(() => {});
    return remote.upload(encrypted ? encrypted.output : stdout, producerDone, abort.signal, (bytes) => (written = bytes));
  };
  const begin = (stream: ChunkSource) => {
    uploaded = start(stream);
    // A failed upload stops pg_dump: nobody reads what it writes any more.
    uploaded.catch(() => abort.abort());
  };
  if (pipe) begin(pipe.output);
  return {
    output: (pipe ? { stdoutTo: pipe.input, written: () => written } : { stdout: begin, written: () => written }) satisfies DumpOutput,
    /** pg_dump's outcome decides whether the upload completes or aborts. */
    dumpSettled(dump: Promise<void>) {
      dump.then(() => settle!.resolve(), (error: unknown) => settle!.reject(error));
    },
    get uploaded() {
      return uploaded;
    },
  };
}

/** gpg's stdin is piped from a Readable: each chunk copied, as the source may reuse its buffer. */
function asReadable(source: ChunkSource): Readable {
  if (source instanceof Readable) return source;
  return Readable.from((async function* () {
    for await (const chunk of source) yield Buffer.from(chunk);
  })());
}

/** A local archive after pg_dump: encrypted if asked, synced, and its files' sizes and SHA-256. */
async function finishLocalArchive(options: BackupOptions, archive: string, folder: string): Promise<{ files: ManifestFile[]; archivePath: string }> {
  let archiveFiles = (await listFiles(archive, folder)).map((file) => path.join(folder, file));
  let archivePath = archive;
  if (options.encryption) {
    options.log?.(`Encrypting ${archiveFiles.length} file(s) with ${options.encryption.method}`);
    archiveFiles = await encryptFiles(archiveFiles, options.encryption, options.signal, options.runDir);
    if (options.format === 'custom') archivePath = archiveFiles[0]!;
  }
  // pg_dump ran with --no-sync: the files reach the disk here, while their SHA-256 is read
  // from the page cache, instead of one after the other. Both end before the manifest exists.
  const [files] = await Promise.all([
    describeFiles(archivePath, folder),
    syncPaths([...archiveFiles, ...(options.format === 'directory' ? [archivePath] : []), folder]).catch((error: unknown) => {
      throw diskError(error, folder);
    }),
  ]);
  return { files, archivePath };
}

const BACKUP_FOLDER_KEY = 'backup-folder';

interface Identity {
  readonly database: DatabaseIdentity;
  readonly versionNum: number;
}

export async function readIdentity(client: Awaited<ReturnType<typeof connect>>, target: DatabaseTarget): Promise<Identity> {
  const version = await client.query<{ num: string; v: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS v",
  );
  let systemIdentifier: string | null = null;
  try {
    // pg_control_system(): PostgreSQL 9.6+; may be revoked from non-superusers.
    const result = await client.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    systemIdentifier = result.rows[0]?.id ?? null;
  } catch {
    systemIdentifier = null;
  }
  const raw = version.rows[0]!.v;
  return {
    versionNum: Number(version.rows[0]!.num),
    database: {
      host: target.db.host,
      port: target.db.port,
      database: target.db.database,
      systemIdentifier,
      serverVersion: raw.split(' ')[0] ?? raw,
    },
  };
}

async function runPgDump(
  options: BackupOptions,
  tools: PgTools,
  output: DumpOutput,
  snapshot: string,
  compression: string[],
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const args = [
    `--format=${options.format}`,
    ...('file' in output ? [`--file=${output.file}`] : []),
    `--snapshot=${snapshot}`,
    '--no-password',
    '--verbose',
    // Since PostgreSQL 10 pg_dump fsyncs what it wrote before it exits; backupPostgres does that
    // itself, beside the checksums (older pg_dump never synced).
    ...(tools.major >= 10 ? ['--no-sync'] : []),
    ...compression,
    ...(options.format === 'directory' && options.jobs > 1 ? [`--jobs=${options.jobs}`] : []),
  ];
  // Progress: the size written so far every 10 s (pg_dump itself says nothing on big tables).
  const ticker = setInterval(() => {
    void ('file' in output ? sizeOf(output.file) : Promise.resolve(output.written())).then((bytes) => log(`pg_dump: ${(bytes / 1_048_576).toFixed(0)} MiB written so far`));
  }, PROGRESS_EVERY_MS);
  ticker.unref();
  const result = await execCommand({
    command: tools.pgDump,
    args,
    env: { ...libpqEnvironment(options.source.db), PGAPPNAME: 'kong-upgrade-backup', PGCONNECT_TIMEOUT: '10' },
    signal,
    ...('stdout' in output && { onStdout: output.stdout }),
    ...('stdoutTo' in output && { stdoutTo: output.stdoutTo }),
    onLine: (line, stream) => {
      if (stream === 'stderr' && /dumping contents of table/.test(line)) log(line.trim());
    },
  }).finally(() => clearInterval(ticker));
  if (result.exitCode === 0 && result.signal === undefined) return;
  const stderr = result.stderr.split('\n').filter((line) => !/^pg_dump: (dumping contents|reading|identifying|finding|flagging|saving|last built-in|processing)/.test(line) && line.trim() !== '').join('\n');
  if ('file' in output && (result.signal === 'SIGXFSZ' || /No space left|File too large|could not write to output file|could not close/i.test(stderr))) {
    throw inputError('backup-dir', `no room to write the dump in ${path.dirname(output.file)}: ${result.signal === 'SIGXFSZ' ? 'file size limit exceeded (SIGXFSZ)' : lastLines(stderr)}`);
  }
  const connection = libpqFailure(options.source, stderr);
  if (connection) throw connection;
  const denied = /permission denied for (?:table|relation|schema|sequence|database) .*/i.exec(stderr)?.[0];
  if (denied) throw readDenied(options.source, denied);
  if (result.aborted) throw stepError('pg_dump', 'cancelled');
  if (result.signal) throw stepError('pg_dump', `was killed by ${result.signal}${stderr ? `: ${lastLines(stderr)}` : ''}`);
  throw stepError('pg_dump', `exited with code ${result.exitCode}: ${lastLines(stderr)}`);
}

async function sizeOf(target: string): Promise<number> {
  try {
    const info = await stat(target);
    if (!info.isDirectory()) return info.size;
    const files = await listFiles(target, target);
    const sizes = await Promise.all(files.map((f) => stat(path.join(target, f)).then((s) => s.size, () => 0)));
    return sizes.reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

function diskError(error: unknown, folder: string): UpgradeError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') return inputError('backup-dir', `no room to write in ${folder} (${code})`, error);
  return wrap(error, 'writing the manifest');
}

/** The role may not read a Kong table: the input that named the role is what to change. */
function readDenied(source: DatabaseTarget, what: string): UpgradeError {
  return inputError(source.inputs.user, `role "${source.db.user}" may not read every Kong table (${what}); back up as a role that can, such as the owner of Kong's tables`);
}

function factsError(source: DatabaseTarget, error: unknown): UpgradeError {
  const e = error as { code?: string; message?: string };
  if (e.code === '42501') return readDenied(source, e.message ?? 'permission denied');
  return wrap(error, 'reading schema_meta and the fingerprint in the dump\'s snapshot');
}

function wrap(error: unknown, step: string): UpgradeError {
  return error instanceof UpgradeError ? error : stepError(step, (error as Error).message, error);
}
