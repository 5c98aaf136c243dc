import { verifyBackupFiles } from '../database/backup-files.js';
import type { BackupManifest } from '../database/manifest.js';
import { withClient } from '../database/postgres/connect.js';
import { readIdentity } from '../database/postgres/dump.js';
import { assertFingerprintComputable } from '../database/postgres/fingerprint.js';
import { sameDatabase } from '../database/postgres/restore.js';
import { fingerprintDifferences, verifyBackup } from '../database/postgres/verify.js';
import { inputError, stepError, UpgradeError } from '../lib/errors.js';
import { readSchemaMeta, type SchemaMetaRow } from '../kong/schema-meta.js';
import type { MigrateRequest } from './request.js';
import type { Session } from './session.js';

/**
 * `up` changes the database for good: only with a rollback point. The manifest's archive is
 * there and intact, the manifest is of this database, no migration ran since, and the entity
 * fingerprint is the backup's (or the user accepted the changes made after it).
 */
export async function backupGate(request: MigrateRequest, session: Session, mode: 'enforce' | 'dry-run'): Promise<void> {
  const refuse = (detail: string) => {
    if (mode === 'dry-run') session.warn(`backup gate would refuse: ${detail}`);
    else throw stepError('backup gate', detail);
  };
  const gate = request.backup;
  if (gate.kind === 'waived') {
    session.warn('allow-without-backup is true: migrating without a verified backup; the only rollback is a backup you took yourself.');
    return;
  }
  if (gate.kind === 'none') {
    return refuse('no backup manifest: give backup-manifest (the manifest.json backup-db wrote for this database), or set allow-without-backup: true');
  }
  // The archive before anything else: a manifest without the files it lists is no rollback point.
  let manifest: BackupManifest;
  try {
    manifest = (await verifyBackupFiles(gate.path, 'backup-manifest', { log: (line) => session.log.info(`backup gate: ${line}`) })).manifest;
  } catch (error) {
    if (mode === 'dry-run' && error instanceof UpgradeError) return session.warn(`backup gate would refuse: ${error.message}`);
    throw error;
  }
  const live = await withClient(request.database, 'reading the database identity', (client) => readIdentity(client, request.database));
  if (!sameDatabase(manifest.database, live.database)) {
    return refuse(
      `the manifest ${gate.path} is of another database: ${describeIdentity(manifest.database)}, this is ${describeIdentity(live.database)}. For a copy restored from a backup (dual-cluster, preproduction), give the manifest backup-db restore wrote for the copy`,
    );
  }
  assertFingerprintComputable(manifest.fingerprint.algorithm, live.versionNum, live.database.serverVersion);
  const migrated = schemaMetaChanges(manifest, await withClient(request.database, 'reading schema_meta', readSchemaMeta));
  if (migrated !== undefined) {
    return refuse(`migrations ran since the backup of ${manifest.finishedAt} (${migrated}): it is no rollback point for this step; back up again`);
  }
  const differences = await fingerprintDifferences(request.database, manifest);
  if (differences.length > 0) {
    const detail = `the database changed since the backup of ${manifest.finishedAt}: ${differences.join('; ')}. Changes made after the backup (Admin API writes during the freeze) are lost if you roll back, and missing on a copy restored from it`;
    if (!gate.allowChangesAfterBackup) return refuse(`${detail}. Take a new backup with writes frozen, or set allow-changes-after-backup: true`);
    session.warn(`allow-changes-after-backup is true: ${detail}`);
  }
  if (gate.verify === 'trial-restore') {
    if (mode === 'dry-run') {
      session.log.info('backup gate: dry run, the trial restore (gate-verify: trial-restore) is not run');
    } else {
      await trialRestore(request, gate.path, manifest, session);
    }
  }
  if (differences.length === 0) session.log.info(`backup gate: the database matches the backup of ${manifest.finishedAt} (fingerprint ${manifest.fingerprint.digest.slice(0, 12)}), its archive checked${gate.verify === 'trial-restore' && mode === 'enforce' ? ' and trial-restored' : ''}`);
}

/**
 * `gate-verify: trial-restore`: backup-db's verify, restoring the archive into a scratch
 * database on this server (dropped after) whose fingerprint must equal the manifest's. An
 * encrypted archive needs its key, which migrate does not take: verify it with backup-db.
 */
async function trialRestore(request: MigrateRequest, manifestPath: string, manifest: BackupManifest, session: Session): Promise<void> {
  if (manifest.encryption.method !== 'none') {
    throw inputError('gate-verify', `trial-restore cannot open the archive: it is encrypted (${manifest.encryption.method}) and migrate takes no key; run backup-db with mode: verify and trial-restore: true before this step, and use gate-verify: checksums here`);
  }
  session.log.info('backup gate: trial restore of the archive into a scratch database (gate-verify: trial-restore)');
  await verifyBackup({ manifestPath, trialServer: request.database, log: (line) => session.log.info(`backup gate: ${line}`) });
}

function describeIdentity(db: BackupManifest['database']): string {
  return `${db.host}:${db.port}/${db.database} (system identifier ${db.systemIdentifier ?? 'unknown'})`;
}

function schemaMetaChanges(manifest: BackupManifest, live: readonly SchemaMetaRow[] | undefined): string | undefined {
  const key = (rows: readonly SchemaMetaRow[] | null | undefined) =>
    new Map((rows ?? []).map((row) => [row.subsystem, `${[...row.executed].sort().join(',')}|${[...row.pending].sort().join(',')}`]));
  const before = key(manifest.schemaMeta);
  const now = key(live);
  const changed = [...new Set([...before.keys(), ...now.keys()])].filter((s) => before.get(s) !== now.get(s)).sort();
  return changed.length === 0 ? undefined : `schema_meta differs for ${changed.join(', ')}`;
}
