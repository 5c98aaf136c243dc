import type { LedgerEntry } from '../../lib/run-dir.js';
import { ObjectStore } from './client.js';
import { formatS3Url, type ObjectLocation } from './location.js';

/** A backup to object storage that a killed run left without its manifest (remote-backup.ts writes the entry). */
export function describeObjectBackup(entry: LedgerEntry): string {
  const archive = formatS3Url({ bucket: String(entry.bucket), key: String(entry.archive) });
  return entry.uploadId === null
    ? `the unfinished backup ${archive} (no manifest)`
    : `the unfinished multipart upload ${String(entry.uploadId)} of ${archive} (no manifest)`;
}

/**
 * Aborts the upload (its parts cost storage until then), then deletes an archive that was
 * completed but never got its manifest: no object of the backup is left to look like one. A
 * backup whose manifest exists is whole and left alone. Credentials come from the environment,
 * as in the main step.
 */
export async function undoObjectBackup(entry: LedgerEntry): Promise<string> {
  const store = await ObjectStore.open({
    endpoint: entry.endpoint === null ? undefined : String(entry.endpoint),
    region: String(entry.region),
    forcePathStyle: entry.forcePathStyle === true,
    serverSideEncryption: 'default',
    kmsKeyId: undefined,
    checksum: 'none',
  }, 'object-storage');
  try {
    const at = (key: unknown): ObjectLocation => ({ bucket: String(entry.bucket), key: String(key) });
    if (await store.exists(at(entry.manifest))) return `the backup ${formatS3Url(at(entry.manifest))} is whole (it has its manifest)`;
    const aborted = entry.uploadId !== null && (await store.abortUpload(at(entry.archive), String(entry.uploadId)));
    const deleted = await store.exists(at(entry.archive));
    if (deleted) await store.delete(at(entry.archive));
    return `${aborted ? 'aborted' : deleted ? 'deleted' : 'nothing left of'} ${describeObjectBackup(entry)}`;
  } finally {
    store.close();
  }
}
