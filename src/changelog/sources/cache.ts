import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FetchedFile, RemoteFile } from './remote-file.js';

/**
 * A folder of files an earlier online run fetched, with their ETags, so a later run can
 * revalidate cheaply (If-None-Match) or plan offline. Pair it with actions/cache to keep it
 * between workflow runs. Layout: <dir>/<owner>/<repo>/<ref>/<path> plus <path>.meta.json.
 */
interface CacheMeta {
  etag: string | undefined;
  fetchedAt: string;
}

function locate(dir: string, file: RemoteFile): string {
  // Refs and paths come from our own constants and version tags; still keep them inside dir.
  const target = path.resolve(dir, file.owner, file.repo, file.ref, file.path);
  if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`cache path escapes ${dir}`);
  return target;
}

export async function readCached(dir: string, file: RemoteFile): Promise<FetchedFile | undefined> {
  const location = locate(dir, file);
  try {
    const [text, metaText] = await Promise.all([readFile(location, 'utf8'), readFile(`${location}.meta.json`, 'utf8')]);
    const meta = JSON.parse(metaText) as CacheMeta;
    return { file, text, etag: meta.etag, fetchedAt: meta.fetchedAt, via: 'cache' };
  } catch {
    return undefined;
  }
}

/** Written content first, then its meta, each through a rename: a reader never sees half a file. */
export async function writeCached(dir: string, fetched: FetchedFile): Promise<void> {
  const location = locate(dir, fetched.file);
  await mkdir(path.dirname(location), { recursive: true });
  const meta: CacheMeta = { etag: fetched.etag, fetchedAt: fetched.fetchedAt };
  await writeAtomically(location, fetched.text);
  await writeAtomically(`${location}.meta.json`, JSON.stringify(meta));
}

async function writeAtomically(target: string, text: string): Promise<void> {
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, target);
}
