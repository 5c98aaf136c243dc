// @ts-check
// The upstream Kong files the tests and generators parse (Kong's changelogs, the docs' changelog
// JSON and YAML catalogs, kong.conf.default per tag) are never committed. This module finds them,
// and as `npm run kong-data` downloads the missing ones from their repositories at the commits
// pinned in scripts/kong-data.manifest.json, refusing any whose SHA-256 is not the manifest's.
//
// A file is looked up, in order, in:
//   1. $KONG_DATA_DIR, a directory laid out like the manifest's `file` names;
//   2. ../shared/kong-data beside the checkout, where this project's own machines keep them;
//   3. .cache/kong-data/, which `npm run kong-data` fills (git-ignored).
//
//   npm run kong-data     # fetch what none of them has, check what they have; exit 1 if any is missing or wrong
//
// KONG_DATA_BASE_URL replaces https://raw.githubusercontent.com (a mirror, or a test's server).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ file: string, repository: string, commit: string, tag?: string, path: string, bytes: number, sha256: string }} KongDataEntry
 * @typedef {{ root?: string, env?: NodeJS.ProcessEnv }} Where
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST_FILE = 'scripts/kong-data.manifest.json';
export const CACHE_DIR = '.cache/kong-data';
export const FETCH_COMMAND = 'npm run kong-data';
const DEFAULT_BASE_URL = 'https://raw.githubusercontent.com';

/** The manifest's entries, of the checkout at `root`. @returns {KongDataEntry[]} */
export function kongDataManifest(root = ROOT) {
  return JSON.parse(readFileSync(path.join(root, MANIFEST_FILE), 'utf8')).files;
}

/** The directories a file is looked up in, in order, with the name each is reported by. @param {Where} [where] */
export function kongDataDirs({ root = ROOT, env = process.env } = {}) {
  const dirs = [];
  if (env.KONG_DATA_DIR) dirs.push({ name: `KONG_DATA_DIR (${env.KONG_DATA_DIR})`, dir: path.resolve(env.KONG_DATA_DIR) });
  const beside = path.resolve(root, '../shared/kong-data');
  if (existsSync(beside)) dirs.push({ name: '../shared/kong-data', dir: beside });
  dirs.push({ name: CACHE_DIR, dir: path.join(root, CACHE_DIR) });
  return dirs;
}

/** The absolute path of a manifest file (e.g. `oss/CHANGELOG.md`), or undefined when no directory has it. @param {string} file @param {Where} [where] */
export function locateKongData(file, where = {}) {
  for (const { dir } of kongDataDirs(where)) {
    const candidate = path.join(dir, file);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The absolute path of a manifest file; throws, naming where it looked and the fetch command, when none has it. @param {string} file @param {Where} [where] */
export function requireKongData(file, where = {}) {
  const found = locateKongData(file, where);
  if (found === undefined) {
    throw new Error(`Kong data file ${file} not found in ${kongDataDirs(where).map((d) => d.name).join(', ')}; fetch it with \`${FETCH_COMMAND}\``);
  }
  return found;
}

/** @param {Uint8Array} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** @param {unknown} error */
function reason(error) {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = /** @type {{ code?: unknown }} */ (cause).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Downloads one entry into `cacheDir`, written under a temporary name and renamed only once its
 * size and SHA-256 are the manifest's, so a cache file is always a verified one.
 * @param {KongDataEntry} entry @param {string} cacheDir @param {string} baseUrl
 * @returns {Promise<{ ok: true } | { ok: false, problem: string }>}
 */
async function download(entry, cacheDir, baseUrl) {
  const url = `${baseUrl.replace(/\/+$/, '')}/${entry.repository}/${entry.commit}/${entry.path}`;
  let bytes;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) return { ok: false, problem: `cannot download ${url}: HTTP ${response.status}` };
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return { ok: false, problem: `cannot download ${url}: ${reason(error)}` };
  }
  const actual = sha256(bytes);
  if (actual !== entry.sha256) {
    return { ok: false, problem: `refused ${url}: SHA-256 ${actual} (${bytes.length} bytes), the manifest pins ${entry.sha256} (${entry.bytes} bytes)` };
  }
  const target = path.join(cacheDir, entry.file);
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    return { ok: false, problem: `cannot write ${target}: ${reason(error)}` };
  }
  return { ok: true };
}

/**
 * Makes every manifest file available: a file some directory has is checked against its SHA-256,
 * a missing one is downloaded into the cache. Nothing is thrown: each file's outcome is returned.
 * @param {Where & { baseUrl?: string }} [options]
 * @returns {Promise<{ entry: KongDataEntry, outcome: 'present' | 'fetched' | 'failed', where?: string, problem?: string }[]>}
 */
export async function fetchKongData({ root = ROOT, env = process.env, baseUrl = env.KONG_DATA_BASE_URL || DEFAULT_BASE_URL } = {}) {
  const dirs = kongDataDirs({ root, env });
  const cacheDir = path.join(root, CACHE_DIR);
  return Promise.all(kongDataManifest(root).map(async (entry) => {
    const found = dirs.find(({ dir }) => existsSync(path.join(dir, entry.file)));
    if (found !== undefined) {
      const actual = sha256(readFileSync(path.join(found.dir, entry.file)));
      return actual === entry.sha256
        ? { entry, outcome: /** @type {const} */ ('present'), where: found.name }
        : { entry, outcome: /** @type {const} */ ('failed'), where: found.name, problem: `${found.name} has a copy with SHA-256 ${actual}, the manifest pins ${entry.sha256}; remove or replace it` };
    }
    const result = await download(entry, cacheDir, baseUrl);
    return result.ok
      ? { entry, outcome: /** @type {const} */ ('fetched'), where: CACHE_DIR }
      : { entry, outcome: /** @type {const} */ ('failed'), problem: result.problem };
  }));
}

async function main() {
  const results = await fetchKongData();
  const count = (/** @type {string} */ outcome) => results.filter((r) => r.outcome === outcome).length;
  for (const r of results) {
    const pin = `${r.entry.repository}@${r.entry.commit.slice(0, 12)}:${r.entry.path}`;
    if (r.outcome === 'failed') console.error(`kong-data: ${r.entry.file} (${pin}): ${r.problem}`);
    else console.log(`kong-data: ${r.entry.file} ${r.outcome === 'fetched' ? 'fetched' : 'checked'} (${pin}) in ${r.where}`);
  }
  const failed = count('failed');
  console.log(`kong-data: ${results.length} files pinned in ${MANIFEST_FILE}: ${count('present')} already there, ${count('fetched')} fetched, ${failed} missing or wrong`);
  if (failed > 0) {
    console.error(`kong-data: the tests that need the missing files are skipped; run \`${FETCH_COMMAND}\` again with access to ${process.env.KONG_DATA_BASE_URL || DEFAULT_BASE_URL}, or set KONG_DATA_DIR to a directory that holds them`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
