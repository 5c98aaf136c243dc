import { stepError } from '../../lib/errors.js';
import { describeDatabase } from '../../lib/shared-inputs.js';
import type { EncryptionOptions } from '../encryption.js';
import { compareFingerprints, type BackupManifest } from '../manifest.js';
import { listArchive, openArchive } from './archive.js';
import { withClient, withDatabase, quoteIdent, type DatabaseTarget } from './connect.js';
import { readIdentity } from './dump.js';
import { assertFingerprintComputable } from './fingerprint.js';
import { readFacts, restoreAndReadFacts, scratchName } from './restore.js';
import { findPgTools, serverMajor } from './tools.js';

export interface VerifyOptions {
  readonly manifestPath: string;
  readonly encryption?: EncryptionOptions | undefined;
  /** A server to trial-restore on (into a scratch database, dropped after); none: no trial restore. */
  readonly trialServer?: DatabaseTarget | undefined;
  readonly jobs?: number | undefined;
  readonly binDir?: string | undefined;
  readonly workDir?: string | undefined;
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
  const archive = await openArchive({ manifestPath: options.manifestPath, manifestInput: 'manifest', encryption: options.encryption, workDir: options.workDir, signal: options.signal, log });
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
    await withClient(server, 'creating the scratch database', (c) => c.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`));
    try {
      const scratchTarget = withDatabase(server, scratch);
      const facts = await restoreAndReadFacts(tools, archive.dumpPath, scratchTarget, options.jobs ?? 1, manifest.fingerprint.algorithm, options.signal, log);
      const differences = compareFingerprints(manifest.fingerprint, facts.entities.fingerprint);
      if (differences.length > 0) throw stepError('trial restore', `the restored copy's fingerprint differs from the manifest: ${differences.join('; ')}`);
      log(`Trial restore on ${describeDatabase(scratchTarget.db)}: fingerprint equals the manifest's`);
    } finally {
      await withClient(server, 'dropping the scratch database', (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)}`)).catch(() => {});
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
