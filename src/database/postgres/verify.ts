import { stepError } from '../../lib/errors.js';
import type { RunDir } from '../../lib/run-dir.js';
import { describeDatabase } from '../connection.js';
import type { EncryptionOptions } from '../encryption.js';
import { compareFingerprints, type BackupManifest } from '../manifest.js';
import { listArchive, openArchive } from './archive.js';
import { withClient, withDatabase, quoteIdent, type DatabaseTarget } from './connect.js';
import { readIdentity } from './dump.js';
import { assertFingerprintComputable } from './fingerprint.js';
import { readFacts, restoreAndReadFacts, scratchName } from './restore.js';
import { dropScratch, scratchKey } from './swap.js';
import { findPgTools, serverMajor } from './tools.js';

export interface VerifyOptions {
  readonly manifestPath: string;
  readonly encryption?: EncryptionOptions | undefined;
  /** A server to trial-restore on (into a scratch database, dropped after); none: no trial restore. */
  readonly trialServer?: DatabaseTarget | undefined;
  readonly jobs?: number | undefined;
  readonly binDir?: string | undefined;
  readonly workDir?: string | undefined;
  /** The run's private folder (decrypted archive) and ledger (the scratch database, pg_restore). */
  readonly runDir?: RunDir | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface VerifyResult {
  readonly manifest: BackupManifest;
  readonly tocEntries: number;
  readonly tableData: number;
  /** True when a trial restore ran and its fingerprint equalled the manifest's. */
  readonly trialRestore: boolean;
}

/** Checksums, `pg_restore --list`, and optionally a trial restore whose fingerprint must match. */
export async function verifyBackup(options: VerifyOptions): Promise<VerifyResult> {
  const log = options.log ?? (() => {});
  const archive = await openArchive({ manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, runDir: options.runDir, signal: options.signal, log });
  try {
    const manifest = archive.manifest;
    const server = options.trialServer;
    const serverVersion = server ? await withClient(server, 'connecting for the trial restore', (c) => readIdentity(c, server)) : undefined;
    const tools = await findPgTools(options.binDir, serverVersion ? serverMajor(serverVersion.versionNum) : 0);
    if (serverVersion) assertFingerprintComputable(manifest.fingerprint.algorithm, serverVersion.versionNum, serverVersion.database.serverVersion);
    const toc = await listArchive(tools.pgRestore, archive.dumpPath);
    log(`pg_restore --list reads the archive: ${toc.entries} entries, ${toc.tableData} with table data`);
    if (!server) return { manifest, tocEntries: toc.entries, tableData: toc.tableData, trialRestore: false };

    const scratch = scratchName(manifest.database.database, 'verify');
    await options.runDir?.note(scratchKey(scratch), { kind: 'scratch-database', host: server.db.host, port: server.db.port, database: scratch });
    await withClient(server, 'creating the scratch database', (c) => c.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`));
    try {
      const scratchTarget = withDatabase(server, scratch);
      const facts = await restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs ?? 1, manifest.fingerprint.algorithm, options.signal, log, options.runDir);
      const differences = compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
      if (differences.length > 0) throw stepError('trial restore', `the restored copy's fingerprint differs from the manifest: ${differences.join('; ')}`);
      log(`Trial restore on ${describeDatabase(scratchTarget.db)}: fingerprint equals the manifest's`);
    } finally {
      const dropped = await withClient(server, 'dropping the scratch database', (c) => dropScratch(c, scratch, options.runDir)).catch(() => false);
      if (!dropped) log(`The scratch database "${scratch}" could not be dropped: drop it by hand`);
    }
    return { manifest, tocEntries: toc.entries, tableData: toc.tableData, trialRestore: true };
  } finally {
    await archive.close();
  }
}

/**
 * How a live database differs from a manifest's fingerprint, table by table (empty: equal):
 * the migrate action's backup gate, and what tells an operator an entity changed since the backup.
 */
export async function fingerprintDifferences(target: DatabaseTarget, manifest: BackupManifest): Promise<string[]> {
  const facts = await readFacts(target, manifest.fingerprint.algorithm);
  return compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
}
