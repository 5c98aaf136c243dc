// Upstream Kong files for the tests that parse them, found by scripts/kong-data.mjs (KONG_DATA_DIR,
// then ../shared/kong-data, then .cache/kong-data filled by `npm run kong-data`). Where a file is
// missing, the suites that need it are skipped and carry the missing names in their meta, which
// test/reporters/summary-line.ts prints with the command that fetches them. KONG_DATA_REQUIRED=1
// (CI, after fetching) turns a missing file into a failure instead.
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { kongDataManifest, locateKongData, requireKongData } from '../../scripts/kong-data.mjs';

declare module 'vitest' {
  interface TaskMeta {
    /** Manifest files this skipped suite or test needed and did not find. */
    kongDataMissing?: string[];
  }
}

const required = process.env.KONG_DATA_REQUIRED === '1';

/** The manifest's file names (e.g. `oss/CHANGELOG.md`, `kong-conf/kong.conf.default-3.4.2`). */
export const KONG_DATA_FILES: readonly string[] = kongDataManifest().map((entry) => entry.file);

function pinned(file: string): string {
  if (!KONG_DATA_FILES.includes(file)) throw new Error(`${file} is not in scripts/kong-data.manifest.json`);
  return file;
}

function missing(files: readonly string[]): string[] {
  return files.filter((file) => locateKongData(pinned(file)) === undefined);
}

/** The absolute path of a manifest file; throws, naming where it looked and the fetch command, when missing. */
export function kongDataPath(file: string): string {
  return requireKongData(pinned(file));
}

/**
 * The text of a manifest file; throws like kongDataPath when it is missing. Read it inside a
 * test or a beforeAll of a describeWithKongData suite, never at a file's top level: a skipped
 * suite's body still runs (vitest collects its tests), its hooks and tests do not.
 */
export function kongDataText(file: string): string {
  return readFileSync(kongDataPath(file), 'utf8');
}

/** A describe that runs only when every file is available; skipped, with the missing files in its meta, otherwise. */
export function describeWithKongData(files: readonly string[], name: string, fn: () => void): void {
  const absent = required ? [] : missing(files);
  describe.skipIf(absent.length > 0)(name, { meta: { kongDataMissing: absent } }, fn);
}

/** The same for one test. */
export function itWithKongData(files: readonly string[], name: string, fn: () => Promise<void> | void): void {
  const absent = required ? [] : missing(files);
  it.skipIf(absent.length > 0)(name, { meta: { kongDataMissing: absent } }, fn);
}
