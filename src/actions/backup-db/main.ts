import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { formatBytes, renderManifestSummary } from '../../database/backup-summary.js';
import { readBackupRequest, type BackupRequest } from '../../database/backup-request.js';
import { describeLeftover } from '../../database/leftovers.js';
import { backupPostgres } from '../../database/postgres/dump.js';
import { fetchBackup, type FetchedBackup } from '../../database/object-storage/fetch.js';
import { formatS3Url } from '../../database/object-storage/location.js';
import { createRunDir, type RunDir } from '../../lib/run-dir.js';
import { describeDatabase } from '../../database/connection.js';
import { bulletList, table } from '../../lib/markdown.js';
import type { BackupManifest } from '../../database/manifest.js';
import { actionInputs, info, infoLines, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';
import { RUN_DIR_STATE } from './state.js';

const inputs = actionInputs(DEFAULTS);

// The other modes' modules load when their mode runs (import() below): the bundle's start-up
// time is part of every backup's time, which bench/backup.mjs compares with bare pg_dump.
await runAction(async () => {
  const request = readBackupRequest(inputs);
  // A cancelled job (SIGINT, then SIGTERM from the runner) stops pg_dump/pg_restore and
  // removes partial files instead of leaving them behind.
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
  // Everything of this run that must not outlive it goes in one private folder; what it makes
  // elsewhere is in that folder's ledger. The post step (post.ts) reads the folder from the state
  // and undoes what a killed run left.
  const runDir = await createRunDir(request.common.workDir);
  core.saveState(RUN_DIR_STATE, runDir.path);
  try {
    await run(request, runDir, abort.signal);
  } catch (error) {
    const leftovers = Object.values(await runDir.entries());
    if (leftovers.length > 0) {
      await core.summary.addRaw(`## backup-db ${request.mode}: failed, and left\n\n${bulletList(leftovers.map(describeLeftover))}\n\nThe step's post action undoes what it can when the job ends and says what remains.`, true).write();
    }
    throw error;
  } finally {
    if (Object.keys(await runDir.entries()).length === 0) await rm(runDir.path, { recursive: true, force: true });
  }
});

function outputs(manifest: BackupManifest, archive: string, manifestPath: string): void {
  core.setOutput('backup-path', archive);
  core.setOutput('manifest-path', manifestPath);
  core.setOutput('checksum', manifest.archive.checksum);
  core.setOutput('size-bytes', manifest.archive.sizeBytes);
  core.setOutput('kong-version', manifest.kong.version ?? '');
  core.setOutput('fingerprint', manifest.fingerprint.digest);
}

async function run(request: BackupRequest, runDir: RunDir, signal: AbortSignal): Promise<void> {
  const log = info;
  const { common } = request;

  if (request.mode === 'backup') {
    if (common.dryRun) {
      const into = request.objectStorage ? formatS3Url(request.objectStorage.location) : request.backupDir;
      info(`dry-run: would back up ${describeDatabase(request.source.db)} into ${into} (${request.format}, compression ${request.compression})`);
      await core.summary.addRaw(`## Backup (dry run)\n\nWould back up ${describeDatabase(request.source.db)} into \`${into}\`.`, true).write();
      return;
    }
    const result = await core.group('Backup', () =>
      backupPostgres({
        source: request.source,
        backupDir: request.backupDir,
        objectStorage: request.objectStorage,
        format: request.format,
        jobs: common.jobs,
        compression: request.compression,
        kongVersion: request.kongVersion,
        binDir: common.binDir,
        encryption: common.encryption,
        runDir,
        signal,
        log,
      }),
    );
    outputs(result.manifest, result.archivePath, result.manifestPath);
    await core.summary.addRaw(renderManifestSummary('Kong database backup', result.manifest, { archive: result.archivePath, manifest: result.manifestPath }), true).write();
    return;
  }

  if (request.mode === 'export') {
    const { admin, deck } = request;
    if (common.dryRun) {
      info(`dry-run: would export ${admin.workspace ?? 'every workspace'} from ${admin.url} into ${request.backupDir}${deck ? ` (and deck ${deck.version} dumps)` : ''}`);
      await core.summary.addRaw(`## Declarative export (dry run)\n\nWould export from \`${admin.url}\` into \`${request.backupDir}\`.`, true).write();
      return;
    }
    const [{ exportAdminApi }, { createAdminClient }, { installTool }] = await Promise.all([
      import('../../database/export.js'),
      import('../../kong/admin-api.js'),
      import('../../lib/tool-install.js'),
    ]);
    const installed = deck && (await installTool({ tool: 'deck', version: deck.version, url: deck.url, checksumsUrl: deck.checksumsUrl, binary: 'deck', input: 'deck-version', log }));
    const result = await core.group('Export', () =>
      exportAdminApi({
        client: createAdminClient(admin),
        backupDir: request.backupDir,
        workspace: admin.workspace,
        concurrency: 4,
        deck: installed ? { path: installed.path, version: installed.version } : undefined,
        encryption: common.encryption,
        signal,
        log,
      }),
    );
    const { index } = result;
    core.setOutput('backup-path', result.folder);
    core.setOutput('manifest-path', result.indexPath);
    core.setOutput('checksum', index.checksum);
    core.setOutput('size-bytes', index.sizeBytes);
    core.setOutput('kong-version', index.admin.kongVersion ?? '');
    const entities = [...new Set(Object.values(index.counts).flatMap((c) => Object.keys(c)))].sort();
    const skipped = Object.entries(index.skipped).map(([ws, list]) => `${ws}: ${list.join(', ')}`);
    await core.summary.addRaw([
      '## Kong declarative export',
      table(['Fact', 'Value'], [
        ['Admin API', `${index.admin.url} (Kong ${index.admin.kongVersion ?? 'unknown'}${index.admin.edition ? `, ${index.admin.edition}` : ''})`],
        ['Workspaces', index.workspaces.join(', ')],
        ['Folder', `\`${result.folder}\` (${index.files.length} file(s), ${formatBytes(index.sizeBytes)})`],
        ['Index', `\`${result.indexPath}\``],
        ['decK', index.deck ? `${index.deck.version}: ${index.deck.files.join(', ')}` : 'not run (set deck-version)'],
        ['Encryption', index.encryption.method],
        ['Not served here (404)', skipped.join('; ') || '—'],
      ]),
      '### Entities exported (workspace × type; `*`: not workspaced)',
      table(['Workspace', ...entities], Object.entries(index.counts).map(([ws, c]) => [ws, ...entities.map((e) => String(c[e] ?? 0))])),
      index.encryption.method === 'none' ? '> The export holds credentials (key-auth keys, basic-auth hashes, JWT secrets) and certificate private keys: keep it like the database backup, or set `encryption`.' : '',
    ].join('\n\n'), true).write();
    return;
  }

  if (request.mode === 'cassandra-snapshot') {
    const { cassandraRestoreSteps, snapshotCassandra } = await import('../../database/cassandra/snapshot.js');
    const result = await snapshotCassandra({
      nodes: request.hosts,
      keyspace: request.keyspace,
      tag: request.tag,
      nodetool: request.nodetool,
      backupDir: request.backupDir,
      kongVersion: request.kongVersion,
      jmx: request.jmx,
      workDir: runDir.path,
      signal,
      log,
    });
    const { manifest } = result;
    core.setOutput('backup-path', result.folder);
    core.setOutput('manifest-path', result.manifestPath);
    core.setOutput('kong-version', manifest.kong.version ?? '');
    core.setOutput('snapshot-tag', manifest.tag);
    await core.summary.addRaw([
      `## Cassandra snapshot \`${manifest.tag}\` of keyspace \`${manifest.keyspace}\``,
      table(['Node', 'Tables', 'Total true size'], manifest.nodes.map((n) => [`${n.host}:${n.port}`, n.tables.map((t) => `${t.table} (${t.sizeOnDisk})`).join(', '), n.totalTrueDiskSpaceUsed ?? '—'])),
      `Manifest: \`${result.manifestPath}\`. The snapshot files stay on each node's disk until copied off.`,
      '### Restore steps',
      cassandraRestoreSteps(manifest).map((step, i) => `${i + 1}. ${step}`).join('\n'),
    ].join('\n\n'), true).write();
    return;
  }

  // A manifest in a bucket: its backup is read into the run folder, checked, and used from there.
  const fetched = request.objectStorage && (await fetchBackup(request.manifest, request.objectStorage, 'manifest', runDir, log));
  try {
    await verifyOrRestore(request, fetched, runDir, signal);
  } finally {
    await fetched?.close();
  }
}

async function verifyOrRestore(request: Extract<BackupRequest, { mode: 'verify' | 'restore' }>, fetched: FetchedBackup | undefined, runDir: RunDir, signal: AbortSignal): Promise<void> {
  const log = info;
  const { common } = request;
  const manifestPath = fetched?.manifestPath ?? request.manifest;
  if (request.mode === 'verify') {
    const { verifyBackup } = await import('../../database/postgres/verify.js');
    const result = await verifyBackup({
      manifestPath,
      encryption: common.encryption,
      trialServer: request.trialServer,
      jobs: common.jobs,
      binDir: common.binDir,
      runDir,
      signal,
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

  const { restorePostgres } = await import('../../database/postgres/restore.js');
  const result = await restorePostgres({
    manifestPath,
    manifestName: fetched && request.manifest,
    target: request.target,
    method: request.method,
    jobs: common.jobs,
    allowRestoreOverSource: request.allowRestoreOverSource,
    allowLiveConnections: request.allowLiveConnections,
    maintenanceDatabase: request.maintenanceDatabase,
    lockTimeoutMs: request.lockTimeoutMs,
    runDir,
    encryption: common.encryption,
    binDir: common.binDir,
    dryRun: common.dryRun,
    signal,
    log,
  });
  const archive = `${request.manifest.replace(/[^/]+$/, '')}${result.source.archive.path}`;
  if (result.dryRun || !result.manifest || !result.manifestPath) {
    infoLines(`dry-run: restore into ${describeDatabase(request.target.db)} would:\n${result.actions.map((a) => `  - ${a}`).join('\n')}`);
    outputs(result.source, archive, request.manifest);
    await core.summary.addRaw(`## Restore (dry run) into ${describeDatabase(request.target.db)}\n\n${bulletList(result.actions)}`, true).write();
    return;
  }
  // Beside the backup's manifest in the bucket: the run folder holding the local copy goes with the step.
  const restoredManifest = fetched ? await fetched.putBeside(result.manifestPath) : result.manifestPath;
  outputs(result.manifest, archive, restoredManifest);
  await core.summary.addRaw(renderManifestSummary(`Kong database restored into ${describeDatabase(request.target.db)}`, result.manifest, { archive, manifest: restoredManifest }, [bulletList(result.actions)]), true).write();
}
