#!/usr/bin/env node
// Prints the CHANGELOG.md section of one version, for the release workflow's notes:
//   node scripts/release-notes.mjs v1.2.3 [CHANGELOG.md]
// Fails (exit 1, naming the version) when the changelog has no section for it, so that a tag
// pushed without its notes does not become an empty release.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The body of the `## [version]` section (without its heading), trimmed; null when absent.
 * @param {string} changelog
 * @param {string} version e.g. "1.2.3" (a leading "v" is ignored)
 * @returns {string | null}
 */
export function releaseNotes(changelog, version) {
  const wanted = version.replace(/^v/, '');
  const lines = changelog.replace(/\r\n/g, '\n').split('\n');
  const heading = (/** @type {string} */ line) => /^## \[([^\]]+)\]/.exec(line)?.[1];
  const start = lines.findIndex((line) => heading(line) === wanted);
  if (start < 0) return null;
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  const body = lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
  return body === '' ? null : body;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [version, file = 'CHANGELOG.md'] = process.argv.slice(2);
  if (!version || !/^v?\d+\.\d+\.\d+$/.test(version)) {
    console.error(`release-notes: expected a version like v1.2.3, got ${JSON.stringify(version ?? '')}`);
    process.exit(2);
  }
  const notes = releaseNotes(readFileSync(file, 'utf8'), version);
  if (notes === null) {
    console.error(`release-notes: ${file} has no "## [${version.replace(/^v/, '')}]" section with text`);
    process.exit(1);
  }
  process.stdout.write(`${notes}\n`);
}
