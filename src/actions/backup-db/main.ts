import * as core from '@actions/core';
import { renderManifestSummary } from '../../database/backup-summary.js';
import { readBackupRequest } from '../../database/backup-request.js';
import { backupPostgres } from '../../database/postgres/dump.js';
import { restorePostgres } from '../../database/postgres/restore.js';
import { verifyBackup } from '../../database/postgres/verify.js';
import { describeDatabase } from '../../lib/shared-inputs.js';
import { bulletList } from '../../lib/markdown.js';
import type { BackupManifest } from '../../database/manifest.js';
import { runAction, runnerInputs } from '../runtime.js';

await runAction(async () => {
  const request = readBackupRequest(runnerInputs);
  // A cancelled job (SIGINT, then SIGTERM from the runner) stops pg_dump/pg_restore and
  // removes partial files instead of leaving them behind.
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
  const log = (line: string) => core.info(line);
  const { common } = request;

  const outputs = (manifest: BackupManifest, archive: string, manifestPath: string) => {
    core.setOutput('backup-path', archive);
    core.setOutput('manifest-path', manifestPath);
    core.setOutput('checksum', manifest.archive.checksum);
    core.setOutput('size-bytes', manifest.archive.sizeBytes);
    core.setOutput('kong-version', manifest.kong.version ?? '');
    core.setOutput('fingerprint', manifest.fingerprint.digest);
  };

  if (request.mode === 'backup') {
    if (common.dryRun) {
      core.info(`dry-run: would back up ${describeDatabase(request.source.db)} into ${request.backupDir} (${request.format}, compression ${request.compression})`);
      await core.summary.addRaw(`## Backup (dry run)\n\nWould back up ${describeDatabase(request.source.db)} into \`${request.backupDir}\`.`, true).write();
      return;
    }
    const result = await core.group('Backup', () =>
      backupPostgres({
        source: request.source,
        backupDir: request.backupDir,
        format: request.format,
        jobs: common.jobs,
        compression: request.compression,
        kongVersion: request.kongVersion,
        binDir: common.binDir,
        encryption: common.encryption,
        signal: abort.signal,
        log,
      }),
    );
    outputs(result.manifest, result.archivePath, result.manifestPath);
    await core.summary.addRaw(renderManifestSummary('Kong database backup', result.manifest, { archive: result.archivePath, manifest: result.manifestPath }), true).write();
    return;
  }

  if (request.mode === 'verify') {
    const result = await verifyBackup({
      manifestPath: request.manifest,
      encryption: common.encryption,
      trialServer: request.trialServer,
      jobs: common.jobs,
      binDir: common.binDir,
      workDir: common.workDir,
      signal: abort.signal,
      log,
    });
    const archive = `${request.manifest.replace(/[^/]+$/, '')}${result.manifest.archive.path}`;
    outputs(result.manifest, archive, request.manifest);
    const checks = [
      'checksums of every file match the manifest',
      `pg_restore --list reads the archive (${result.tocEntries} entries, ${result.tableData} with table data)`,
      result.trialRestore ? 'trial restore into a scratch database: fingerprint equals the manifest' : 'no trial restore (set trial-restore: true)',
    ];
    await core.summary.addRaw(renderManifestSummary('Kong database backup: verified', result.manifest, { archive, manifest: request.manifest }, [bulletList(checks)]), true).write();
    return;
  }

  const result = await restorePostgres({
    manifestPath: request.manifest,
    target: request.target,
    method: request.method,
    jobs: common.jobs,
    allowRestoreOverSource: request.allowRestoreOverSource,
    allowLiveConnections: request.allowLiveConnections,
    maintenanceDatabase: request.maintenanceDatabase,
    encryption: common.encryption,
    binDir: common.binDir,
    workDir: common.workDir,
    dryRun: common.dryRun,
    signal: abort.signal,
    log,
  });
  const archive = `${request.manifest.replace(/[^/]+$/, '')}${result.source.archive.path}`;
  if (result.dryRun || !result.manifest || !result.manifestPath) {
    core.info(`dry-run: restore into ${describeDatabase(request.target.db)} would:\n${result.actions.map((a) => `  - ${a}`).join('\n')}`);
    outputs(result.source, archive, request.manifest);
    await core.summary.addRaw(`## Restore (dry run) into ${describeDatabase(request.target.db)}\n\n${bulletList(result.actions)}`, true).write();
    return;
  }
  outputs(result.manifest, archive, result.manifestPath);
  await core.summary.addRaw(renderManifestSummary(`Kong database restored into ${describeDatabase(request.target.db)}`, result.manifest, { archive, manifest: result.manifestPath }, [bulletList(result.actions)]), true).write();
});
