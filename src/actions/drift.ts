import * as core from '@actions/core';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomically } from '../database/manifest.js';
import type { DatabaseTarget } from '../database/postgres/connect.js';
import { checkDrift } from '../drift/check.js';
import type { DriftInputs } from '../drift/inputs.js';
import { describeDrift, renderDriftMarkdown, type DriftReport } from '../drift/report.js';
import { stepError } from '../lib/errors.js';
import { info } from './runtime.js';

/**
 * A drift check as every action that runs one reports it (promote before traffic moves, migrate
 * before `finish`, drift-check): the report written for the jobs after it, the outputs `drift`
 * and `drift-report`, a summary section, and a failure naming the tables and entities unless
 * all of it was accepted (a dry run: a warning saying what would be refused).
 */
export async function runDriftCheck(point: string, inputs: DriftInputs, database: DatabaseTarget, dryRun = false): Promise<DriftReport> {
  info(`drift check before ${point}: blue's database against ${inputs.manifestPath}`);
  const report = await checkDrift({ point, ...inputs, database, log: info });
  const file = inputs.reportFile ?? path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), `kong-upgrade-drift-${point}.json`);
  // drift-report-file may name a folder no step made yet (a dry run skips the smoke report beside it).
  await mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomically(file, report);
  core.setOutput('drift', report.outcome);
  core.setOutput('drift-report', file);
  await core.summary.addRaw(renderDriftMarkdown(report), true).write();
  info(`drift check before ${point}: ${report.outcome}: ${describeDrift(report)}`);
  for (const accepted of report.accepted) {
    core.warning(`accepted before ${accepted.point} (accept-drift: ${accepted.acceptDrift}): ${accepted.tables.map((t) => t.summary).join('; ')}`, { title: 'drift accepted: writes made after the backup are not in it' });
  }
  if (report.outcome === 'refused') {
    const refused = report.tables.filter((t) => t.accepted === null).map((t) => t.table);
    const error = stepError(
      `drift check before ${point}`,
      `${describeDrift(report)}. Writes made on blue after the backup are not in it: a rollback to the backup loses them, and a copy restored from it (dual-cluster green) lacks them. Freeze Admin API writes and back up again, or accept them with accept-drift: true or accept-drift: ${refused.join(', ')}`,
    );
    if (!dryRun) throw error;
    core.warning(`dry run: ${point} would be refused: ${error.message}`);
  }
  return report;
}
