import * as core from '@actions/core';
import { applyFreeze, FREEZE_STATUS, liftFreeze, proveFrozen } from '../../drift/freeze.js';
import { readFreezeRequest } from '../../drift/freeze-request.js';
import { createAdminClient } from '../../kong/admin-api.js';
import { actionInputs, info, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';
import { FREEZE_STATE, LIFTED_STATE } from './state.js';

const inputs = actionInputs(DEFAULTS);

// write-freeze: Admin API writes on blue refused from here to the end of the job, when the
// post step (post.ts) lifts the freeze, whether the job succeeded, failed or was cancelled.
await runAction(async () => {
  const request = readFreezeRequest(inputs);
  const admin = createAdminClient(request.admin, 10_000, 'write freeze');
  const record = await applyFreeze(admin, request.adminRoute, info);
  // Saved before anything can fail or be cancelled: post lifts what is there.
  core.saveState(FREEZE_STATE, JSON.stringify(record));
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  let effectiveMs: number;
  try {
    effectiveMs = await proveFrozen(request.loopbackUrl, request.admin.token, record, request.timeoutMs, controller.signal);
  } catch (error) {
    await liftFreeze(admin, record);
    core.saveState(LIFTED_STATE, 'true');
    throw error;
  }
  info(`write freeze in force after ${(effectiveMs / 1000).toFixed(1)}s: POST, PUT, PATCH and DELETE through ${request.loopbackUrl} answer ${FREEZE_STATUS}`);
  core.setOutput('freeze-json', JSON.stringify(record));
  core.setOutput('effective-ms', Math.round(effectiveMs));
  await core.summary
    .addRaw(`### Write freeze on blue\n\nFrom ${record.startedAt}, Admin API writes (POST, PUT, PATCH, DELETE) through \`${request.loopbackUrl}\` answer ${FREEZE_STATUS}: request-termination on route ${record.rows[0]!.id}, in force after ${(effectiveMs / 1000).toFixed(1)}s. Lifted when this job ends, whatever its outcome.\n`, true)
    .write();
});
