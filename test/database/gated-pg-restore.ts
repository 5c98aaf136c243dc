import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface GatedPgRestore {
  /** A pg-bin-dir whose pg_restore waits for `release` before running the real one. */
  readonly binDir: string;
  /** Resolves once pg_restore was started (and waits at the gate). */
  started(): Promise<void>;
  release(): Promise<void>;
}

/**
 * A pg_restore that waits for the test to open a FIFO before it runs: the test then knows the
 * restore got that far (a swap's scratch database exists, a clean restore checked the target's
 * sessions) and pg_restore has not begun, whatever the machine's load.
 */
export function gatedPgRestore(work: string, bindir: string, name: string): GatedPgRestore {
  const binDir = mkdtempSync(path.join(work, `${name}-bin-`));
  const gate = path.join(binDir, 'gate');
  const marker = path.join(binDir, 'started');
  execFileSync('mkfifo', [gate]);
  writeFileSync(path.join(binDir, 'pg_restore'), `#!/bin/sh\ntouch '${marker}'\nread line < '${gate}'\nexec '${bindir}/pg_restore' "$@"\n`);
  writeFileSync(path.join(binDir, 'pg_dump'), `#!/bin/sh\nexec '${bindir}/pg_dump' "$@"\n`);
  for (const tool of ['pg_restore', 'pg_dump']) chmodSync(path.join(binDir, tool), 0o755);
  return {
    binDir,
    started: () => waitForFile(marker),
    release: () => writeFile(gate, 'go\n'),
  };
}

/** Polls until `file` exists (a wrapper script touched it). */
export async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!existsSync(file)) throw new Error(`${file} did not appear`);
}
