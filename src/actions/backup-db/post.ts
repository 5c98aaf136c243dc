import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { readBackupRequest, type BackupRequest } from '../../database/backup-request.js';
import { cleanUpRun } from '../../database/leftovers.js';
import { withDatabase, type DatabaseTarget } from '../../database/postgres/connect.js';
import { bulletList } from '../../lib/markdown.js';
import { openRunDir } from '../../lib/run-dir.js';
import { actionInputs, info, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';
import { RUN_DIR_STATE } from './state.js';

const inputs = actionInputs(DEFAULTS);

// backup-db's `post:` step, run by the runner when the job ends, with the main step's inputs and
// state. A main step that finished (even failing) removed its run folder when it had nothing to
// leave; one that was killed left the folder and its ledger: what it made is undone here.
await runAction(async () => {
  const folder = core.getState(RUN_DIR_STATE);
  if (folder === '' || !existsSync(folder)) return;
  const request = readBackupRequest(inputs);
  const servers = serversOf(request);
  const { done, left } = await cleanUpRun(openRunDir(folder), (host, port) => servers.find((s) => s.db.host === host && s.db.port === port));
  for (const line of done) info(`Cleaned up after the interrupted backup-db step: ${line}`);
  for (const line of left) core.warning(`Left behind by the interrupted backup-db step, not cleaned up: ${line}`);
  if (done.length + left.length === 0) return;
  await core.summary
    .addRaw(['## backup-db: cleaned up after an interrupted step', done.length > 0 ? bulletList(done) : '', left.length > 0 ? `### Left behind, to deal with by hand\n\n${bulletList(left)}` : ''].filter(Boolean).join('\n\n'), true)
    .write();
});

/** The servers this step's inputs name, each through the database to run CREATE/DROP DATABASE from. */
function serversOf(request: BackupRequest): DatabaseTarget[] {
  if (request.mode === 'restore') return [withDatabase(request.target, request.maintenanceDatabase)];
  if (request.mode === 'verify' && request.trialServer) return [request.trialServer];
  return [];
}
