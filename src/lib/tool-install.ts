import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { chmod, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as toolCache from '@actions/tool-cache';
import { inputError, stepError } from './errors.js';
import { releaseArch } from './platform.js';

/**
 * The one place the suite downloads tools. Through @actions/tool-cache, so a tool lands in the
 * runner's tool cache (RUNNER_TOOL_CACHE, kept between jobs on self-hosted runners and within a
 * job on hosted ones) and a second install of the same version is a lookup, not a download.
 * The archive is checked against the release's checksums file when one is given, before
 * anything of it is extracted or run.
 */
export interface ToolRelease {
  /** Name in the tool cache, e.g. `deck`. */
  readonly tool: string;
  /** Exact version, e.g. `1.40.0` (no range: the cache key must be what was downloaded). */
  readonly version: string;
  /** The archive (`.tar.gz`). */
  readonly url: string;
  /** A `sha256sum`-style listing with the archive's file name (GoReleaser's checksums.txt). */
  readonly checksumsUrl?: string | undefined;
  /** The executable's name inside the archive (at its root or in one folder below). */
  readonly binary: string;
  /** The input that chose the version, named in errors. */
  readonly input: string;
  readonly log?: ((line: string) => void) | undefined;
}

export interface InstalledTool {
  /** Full path of the executable. */
  readonly path: string;
  readonly version: string;
  readonly fromCache: boolean;
}

export async function installTool(release: ToolRelease): Promise<InstalledTool> {
  const log = release.log ?? (() => {});
  const arch = releaseArch();
  ensureRunnerDirs();
  const cached = toolCache.find(release.tool, release.version, arch);
  if (cached !== '') {
    const found = locateBinary(cached, release.binary);
    if (found) {
      log(`${release.tool} ${release.version} from the tool cache: ${found}`);
      return { path: found, version: release.version, fromCache: true };
    }
  }
  log(`Downloading ${release.tool} ${release.version} from ${release.url}`);
  const archive = await toolCache.downloadTool(release.url).catch((error: unknown) => {
    throw downloadError(release, release.url, error);
  });
  try {
    if (release.checksumsUrl !== undefined) await checkArchive(release, archive);
    const extracted = await toolCache.extractTar(archive);
    const inside = locateBinary(extracted, release.binary);
    if (!inside) throw stepError(`installing ${release.tool}`, `${release.url} holds no ${release.binary}`);
    await chmod(inside, 0o755);
    const cacheRoot = await toolCache.cacheDir(path.dirname(inside), release.tool, release.version, arch);
    const installed = path.join(cacheRoot, release.binary);
    log(`${release.tool} ${release.version} installed in the tool cache: ${installed}`);
    return { path: installed, version: release.version, fromCache: false };
  } finally {
    await rm(archive, { force: true });
  }
}

async function checkArchive(release: ToolRelease, archive: string): Promise<void> {
  const listingFile = await toolCache.downloadTool(release.checksumsUrl!).catch((error: unknown) => {
    throw downloadError(release, release.checksumsUrl!, error);
  });
  const listing = await readFile(listingFile, 'utf8').finally(() => rm(listingFile, { force: true }));
  const name = decodeURIComponent(new URL(release.url).pathname.split('/').pop() ?? '');
  const line = listing.split('\n').map((l) => l.trim().split(/\s+\*?/)).find((parts) => parts[1] === name);
  if (!line?.[0]) throw stepError(`installing ${release.tool}`, `${release.checksumsUrl} lists no ${name}`);
  const actual = await sha256(archive);
  if (actual !== line[0].toLowerCase()) {
    throw stepError(`installing ${release.tool}`, `${name} has SHA-256 ${actual}, but ${release.checksumsUrl} says ${line[0]}: not running it`);
  }
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

/** GoReleaser archives put the binary at the root; some projects nest it one folder down. */
function locateBinary(root: string, binary: string): string | undefined {
  const direct = path.join(root, binary);
  if (existsSync(direct)) return direct;
  try {
    for (const entry of readdirSync(root)) {
      const nested = path.join(root, entry, binary);
      if (existsSync(nested)) return nested;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** tool-cache needs both; outside a runner (the CLI, tests) fall back to temp folders. */
function ensureRunnerDirs(): void {
  if (!process.env.RUNNER_TEMP) process.env.RUNNER_TEMP = os.tmpdir();
  if (!process.env.RUNNER_TOOL_CACHE) process.env.RUNNER_TOOL_CACHE = path.join(os.tmpdir(), 'kong-upgrade-tool-cache');
}

function downloadError(release: ToolRelease, url: string, error: unknown) {
  const status = (error as { httpStatusCode?: number }).httpStatusCode;
  if (status === 404) return inputError(release.input, `${release.tool} ${release.version} not found: GET ${url} answered 404 (is ${release.version} a released version?)`, error);
  return stepError(`downloading ${release.tool} ${release.version}`, `GET ${url} failed: ${status === undefined ? (error as Error).message : `HTTP ${status}`}`, error);
}
