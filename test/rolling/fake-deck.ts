import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CONVERT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-deck-convert.mjs');

/**
 * A release archive like decK's (GoReleaser: the `deck` binary at the root) whose `deck` runs
 * fake-deck-convert.mjs with this Node, for the tool cache to install from a loopback server.
 */
export function fakeDeckConvertArchive(work: string, version: string): Buffer {
  const src = path.join(work, `deck-convert-src-${version}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'deck'), `#!/bin/sh\nexec "${process.execPath}" "${CONVERT}" "$@"\n`);
  chmodSync(path.join(src, 'deck'), 0o755);
  writeFileSync(path.join(src, 'LICENSE'), 'Apache-2.0\n');
  const archive = path.join(work, `deck_${version}_convert.tar.gz`);
  execFileSync('tar', ['-czf', archive, '-C', src, 'deck', 'LICENSE']);
  return readFileSync(archive);
}
