import { createHash } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../lib/concurrency.js';
import type { ManifestFile } from './manifest.js';

/**
 * SHA-256 of a file, read in 4 MiB pieces into one reused buffer (an archive can be many GB; right
 * after writing it is in the page cache): about 1.4 GB/s here, where a read stream allocating a
 * buffer per chunk managed 0.8–1.1.
 */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/**
 * Files hashed at once: hashing runs on the one JavaScript thread, so more only add 4 MiB
 * buffers (a directory-format archive has a file per table); two let one read while one hashes.
 */
const HASHING_AT_ONCE = 2;

/** Every regular file under `target` (a file or a folder), relative to `base`, sorted. */
export async function listFiles(target: string, base: string): Promise<string[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [path.relative(base, target).split(path.sep).join('/')];
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(base, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

export async function describeFiles(target: string, base: string): Promise<ManifestFile[]> {
  const files = await listFiles(target, base);
  return mapLimit(files, HASHING_AT_ONCE, async (file) => {
    const full = path.join(base, file);
    const [info, sha256] = await Promise.all([stat(full), sha256File(full)]);
    return { path: file, sizeBytes: info.size, sha256 };
  });
}

/**
 * One checksum for the archive: the file's own SHA-256 when it is one file (compare with
 * `sha256sum`), else the SHA-256 of the `sha256sum`-style listing of its files.
 */
export function archiveChecksum(files: readonly ManifestFile[]): string {
  if (files.length === 1) return files[0]!.sha256;
  const listing = files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
  return createHash('sha256').update(listing).digest('hex');
}

/** The files whose size or SHA-256 differ from the manifest's, or that are missing. */
export async function checkFiles(base: string, files: readonly ManifestFile[]): Promise<string[]> {
  const problems: string[] = [];
  await mapLimit(files, HASHING_AT_ONCE, async (file) => {
    const full = path.join(base, file.path);
    try {
      const info = await stat(full);
      if (info.size !== file.sizeBytes) {
        problems.push(`${file.path}: ${info.size} bytes, manifest says ${file.sizeBytes}`);
        return;
      }
      const sha = await sha256File(full);
      if (sha !== file.sha256) problems.push(`${file.path}: SHA-256 ${sha.slice(0, 12)}…, manifest says ${file.sha256.slice(0, 12)}…`);
    } catch (error) {
      problems.push(`${file.path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message}`);
    }
  });
  return problems.sort();
}
