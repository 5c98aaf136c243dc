import * as core from '@actions/core';
import { liftFreeze, proveLifted, refusedWrites, type RefusedWrite } from '../../drift/freeze.js';
import { readFreezeRecord } from '../../drift/freeze-record.js';
import { readFreezeRequest } from '../../drift/freeze-request.js';
import { createAdminClient } from '../../kong/admin-api.js';
import { table } from '../../lib/markdown.js';
import { actionInputs, info, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';
import { FREEZE_STATE, LIFTED_STATE } from './state.js';

const inputs = actionInputs(DEFAULTS);

// write-freeze's `post:` step, run by the runner when the job ends: after success, failure or
// cancellation (post-if: always()). Lifts the freeze and reports the writes it refused.
await runAction(async () => {
  const saved = core.getState(FREEZE_STATE);
  if (saved === '' || core.getState(LIFTED_STATE) === 'true') return;
  const record = readFreezeRecord(saved, 'write-freeze state');
  const request = readFreezeRequest(inputs);
  const existed = await liftFreeze(createAdminClient(request.admin, 10_000, 'lifting the write freeze'), record);
  const liftedMs = await proveLifted(request.loopbackUrl, request.admin.token, record, request.timeoutMs);
  const liftedAt = new Date();
  info(`write freeze lifted: route ${record.rows[0]!.id} ${existed ? 'deleted' : 'was already gone'}; writes through ${request.loopbackUrl} pass again after ${(liftedMs / 1000).toFixed(1)}s`);
  const refused: RefusedWrite[] | undefined = request.accessLog === undefined ? undefined : await refusedWrites(request.accessLog, record, liftedAt);
  const parts = [`### Write freeze lifted\n\nFrozen from ${record.startedAt} to ${liftedAt.toISOString()}.${existed ? '' : ' The freeze route was already gone: someone deleted it during the freeze.'}\n`];
  if (refused === undefined) {
    parts.push('Refused writes were not counted: give access-log (the proxy access log, nginx combined format) to have them listed.\n');
  } else {
    for (const write of refused) info(`refused during the freeze: ${write.at} ${write.method} ${write.path} from ${write.client}`);
    parts.push(`Writes refused during the freeze (${refused.length}, from ${request.accessLog}):\n`);
    if (refused.length > 0) {
      parts.push(table(['When', 'Request', 'Client'], refused.map((w) => [w.at, `${w.method} ${w.path}`, w.client])));
      core.warning(`${refused.length} Admin API write(s) were refused during the upgrade and not applied: ${refused.slice(0, 5).map((w) => `${w.method} ${w.path}`).join(', ')}${refused.length > 5 ? ', …' : ''}; make them again if they are still wanted`, { title: 'write freeze: writes refused' });
    }
  }
  await core.summary.addRaw(parts.join('\n'), true).write();
});
