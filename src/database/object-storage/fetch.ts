import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inputError, UpgradeError } from '../../lib/errors.js';
import { checkContract } from '../../lib/json-shape.js';
import type { RunDir } from '../../lib/run-dir.js';
import { BACKUP_MANIFEST, type BackupManifest, type ManifestFile } from '../manifest.js';
import { ObjectStore } from './client.js';
import { below, formatS3Url, parentOf, parseS3Url, type ObjectLocation } from './location.js';
import type { ObjectStorageSettings } from './settings.js';

/** A backup read from a bucket into the run's private folder, every file checked on the way. */
export interface FetchedBackup {
  /** The local copy of the manifest, beside the archive: what verify and restore open. */
  readonly manifestPath: string;
  /** Writes a file (the restored database's manifest) beside the manifest in the bucket; returns its URL. */
  putBeside(file: string): Promise<string>;
  close(): Promise<void>;
}

/** A manifest is a few kB (a fingerprint line per table): more is not one. */
const MANIFEST_MAX_BYTES = 16 << 20;

/**
 * verify and restore with `manifest: s3://bucket/prefix/manifest.json`: the manifest is read and
 * checked like a file's (lib/json-shape.ts), then each file it lists is downloaded into the run's
 * private folder while its SHA-256 and size are computed; one that differs from the manifest is
 * refused and removed before anything reads it. The store's own checksums are asked for and
 * checked by the SDK where it keeps whole-object ones (s3-checksum SHA256).
 */
export async function fetchBackup(url: string, settings: ObjectStorageSettings, input: string, runDir: RunDir | undefined, log: (line: string) => void): Promise<FetchedBackup> {
  const location = parseS3Url(url, input);
  const store = await ObjectStore.open(settings, input);
  let folder: string | undefined;
  try {
    const manifestBytes = await download(store, location, MANIFEST_MAX_BYTES);
    let data: unknown;
    try {
      data = JSON.parse(manifestBytes.toString('utf8'));
    } catch (error) {
      throw inputError(input, `${url} is not JSON: ${(error as Error).message}`, error);
    }
    const manifest = checkContract<BackupManifest>(data, url, input, [BACKUP_MANIFEST]);
    folder = await mkdtemp(path.join(runDir?.path ?? os.tmpdir(), 'kong-s3-'));
    const prefix = parentOf(location);
    for (const file of manifest.files) await downloadChecked(store, below(prefix, file.path), path.join(folder, file.path), file, input);
    const manifestPath = path.join(folder, path.posix.basename(location.key));
    await writeFile(manifestPath, manifestBytes, { flag: 'wx' });
    log(`Downloaded ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes, from ${formatS3Url(prefix)}: sizes and SHA-256 match the manifest`);
    const local = folder;
    return {
      manifestPath,
      async putBeside(file) {
        const body = await readFile(file);
        const target = below(prefix, path.basename(file));
        await store.put(target, body, createHash('sha256').update(body).digest('base64'), 'application/json');
        return formatS3Url(target);
      },
      async close() {
        store.close();
        await rm(local, { recursive: true, force: true });
      },
    };
  } catch (error) {
    store.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

async function download(store: ObjectStore, location: ObjectLocation, maxBytes: number): Promise<Buffer> {
  const { body, sizeBytes } = await store.get(location);
  if (sizeBytes !== undefined && sizeBytes > maxBytes) {
    body.destroy();
    throw inputError(store.input, `${formatS3Url(location)} is ${sizeBytes} bytes; a manifest is at most ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer);
  } catch (error) {
    throw refused(store, location, error);
  }
  return Buffer.concat(chunks);
}

/** One file of the archive to `target`, refused (and removed) unless its size and SHA-256 are the manifest's. */
async function downloadChecked(store: ObjectStore, location: ObjectLocation, target: string, expected: ManifestFile, input: string): Promise<void> {
  const { body, sizeBytes } = await store.get(location);
  const url = formatS3Url(location);
  if (sizeBytes !== undefined && sizeBytes !== expected.sizeBytes) {
    body.destroy();
    throw inputError(input, `${url} is ${sizeBytes} bytes, the manifest says ${expected.sizeBytes}: the archive in the bucket is damaged or altered; refused`);
  }
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await pipeline(body, count, createWriteStream(target, { flags: 'wx' }));
  } catch (error) {
    await rm(target, { force: true });
    throw refused(store, location, error);
  }
  const sha256 = hash.digest('hex');
  if (size !== expected.sizeBytes || sha256 !== expected.sha256) {
    await rm(target, { force: true });
    throw inputError(input, `${url}: ${size} bytes with SHA-256 ${sha256.slice(0, 12)}…, the manifest says ${expected.sizeBytes} bytes with ${expected.sha256.slice(0, 12)}…: the archive in the bucket is damaged or altered; refused`);
  }
}

/** A download that broke off: the SDK's checksum check says the bytes are not what the store holds. */
function refused(store: ObjectStore, location: ObjectLocation, error: unknown): UpgradeError {
  const message = (error as Error).message ?? '';
  if (/checksum/i.test(message)) return inputError(store.input, `${formatS3Url(location)}: the store's checksum does not match what was downloaded (${message}); refused`, error);
  return store.failure(error, `downloading ${formatS3Url(location)}`);
}
