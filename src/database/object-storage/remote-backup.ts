import { createHash } from 'node:crypto';
import { inputError } from '../../lib/errors.js';
import type { RunDir } from '../../lib/run-dir.js';
import type { BackupManifest, ManifestFile } from '../manifest.js';
import { ObjectStore } from './client.js';
import { below, formatS3Url, type ObjectLocation } from './location.js';
import type { ObjectStorageSettings } from './settings.js';
import { uploadStream, type ChunkSource } from './upload.js';

/** backup-db's `object-storage` input: where backups go instead of backup-dir, and how to reach it. */
export interface ObjectStorageTarget {
  readonly settings: ObjectStorageSettings;
  /** The prefix each backup gets its own prefix under, as it gets a folder under backup-dir. */
  readonly location: ObjectLocation;
}

/** The ledger entry of a backup being written to object storage (leftover.ts undoes it). */
const OBJECT_BACKUP_KEY = 'object-backup';

const MANIFEST_OBJECT = 'manifest.json';

/** A backup on its way to `<location>/<name>/`: the archive streamed up, then the manifest, written last. */
export interface RemoteBackup {
  readonly store: ObjectStore;
  readonly prefix: ObjectLocation;
  readonly archiveName: string;
  readonly manifestUrl: string;
  readonly archiveUrl: string;
  /** Streams `source` up as the archive; completes it only once `producerDone` fulfils. */
  upload(source: ChunkSource, producerDone: Promise<unknown>, signal: AbortSignal, onBytes: (total: number) => void): Promise<ManifestFile>;
  /** The manifest, last: until it exists there is no backup. */
  writeManifest(manifest: BackupManifest): Promise<void>;
  /** After a failure: the upload aborted (uploadStream did), an archive already complete deleted. */
  discard(): Promise<void>;
}

/**
 * Opens the store and claims `<location>/<name>/`, which must be empty (a backup never lands on
 * another's objects). The run's ledger records the prefix, then the upload id, until the manifest
 * is written: backup-db's post step aborts the upload or deletes the manifest-less archive of a
 * run that was killed.
 */
export async function openRemoteBackup(target: ObjectStorageTarget, name: string, archiveName: string, runDir: RunDir | undefined, log: (line: string) => void): Promise<RemoteBackup> {
  const store = await ObjectStore.open(target.settings, 'object-storage');
  const prefix = below(target.location, name);
  const archive = below(prefix, archiveName);
  const manifest = below(prefix, MANIFEST_OBJECT);
  try {
    if (!(await store.isEmpty(prefix))) throw inputError('object-storage', `${formatS3Url(prefix)}/ holds objects already; a backup is written under a prefix of its own`);
  } catch (error) {
    store.close();
    throw error;
  }
  const { settings } = target;
  const entry = (uploadId: string | null) => ({
    kind: 'object-backup', endpoint: settings.endpoint ?? null, region: settings.region, forcePathStyle: settings.forcePathStyle,
    bucket: prefix.bucket, archive: archive.key, manifest: manifest.key, uploadId,
  });
  await runDir?.note(OBJECT_BACKUP_KEY, entry(null));
  let completed = false;
  return {
    store,
    prefix,
    archiveName,
    manifestUrl: formatS3Url(manifest),
    archiveUrl: formatS3Url(archive),
    async upload(source, producerDone, signal, onBytes) {
      const result = await uploadStream({
        store, location: archive, source, contentType: 'application/octet-stream', producerDone, signal, onBytes,
        onStarted: (uploadId) => runDir?.note(OBJECT_BACKUP_KEY, entry(uploadId)) ?? Promise.resolve(),
      });
      completed = true;
      await runDir?.note(OBJECT_BACKUP_KEY, entry(null));
      log(`Uploaded ${formatS3Url(archive)}: ${result.sizeBytes} bytes in ${result.parts} part(s), SHA-256 ${result.sha256.slice(0, 16)}…; the store's checksum of the parts: ${result.storeChecksum}; it joined them in ${(result.completeMs / 1000).toFixed(2)} s`);
      return { path: archiveName, sizeBytes: result.sizeBytes, sha256: result.sha256 };
    },
    async writeManifest(data) {
      const body = Buffer.from(`${JSON.stringify(data, null, 2)}\n`);
      await store.put(manifest, body, createHash('sha256').update(body).digest('base64'), 'application/json');
      await runDir?.forget(OBJECT_BACKUP_KEY);
      store.close();
    },
    async discard() {
      try {
        if (completed) await store.delete(archive);
        await runDir?.forget(OBJECT_BACKUP_KEY);
      } catch {
        // The ledger keeps the entry: the post step deletes the manifest-less archive, or says it is there.
      } finally {
        store.close();
      }
    },
  };
}
