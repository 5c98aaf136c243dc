import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The replay tests run the committed bundles; REPLAY_DIST names another build of them (an older
 * commit's dist/, built under /tmp) so the same samples show what that code said, and
 * REPLAY_REPORT appends what each sample produced, one JSON line each, for the closing table.
 */
export const DIST = process.env.REPLAY_DIST ?? path.join(REPO_ROOT, 'dist');
export const OTHER_DIST = process.env.REPLAY_DIST !== undefined;

export function record(entry: Record<string, unknown>): void {
  const file = process.env.REPLAY_REPORT;
  if (file !== undefined) appendFileSync(file, `${JSON.stringify(entry)}\n`);
}
