import * as core from '@actions/core';
import { readDriftInputs, readPrefixedDatabase } from '../../drift/inputs.js';
import { inputError, stepError } from '../../lib/errors.js';
import { SUMMARY_LIMIT_BYTES } from '../../lib/markdown.js';
import { createGate } from '../../traffic/gates.js';
import { readPromoteConfig } from '../../traffic/options.js';
import { lossNotes, renderPromoteMarkdown, stepsJson } from '../../traffic/report.js';
import { runPromotion } from '../../traffic/strategy.js';
import { runDriftCheck } from '../drift.js';
import { actionInputs, info, infoLines, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';

const inputs = actionInputs(DEFAULTS);

await runAction(async () => {
  const config = await readPromoteConfig(inputs, info);
  const describe = config.backend.describe();
  const drift = await readDriftInputs(inputs, 'drift-manifest');
  const blueDatabase = readPrefixedDatabase(inputs, 'blue-');
  if (drift !== undefined && blueDatabase === undefined) throw inputError('blue-database-url', 'is required with drift-manifest: the drift check reads blue\'s database');

  // `render: true` prints what would change (the kubectl patch, the nginx file …) and stops.
  if (config.render) {
    const state = await config.backend.read().catch(() => undefined);
    const green = config.strategy.command === 'revert' ? 0 : 100;
    const text = await config.backend.render(green);
    infoLines(text);
    core.setOutput('rendered', text);
    core.setOutput('live', state?.kind === 'split' ? (state.green === 0 ? 'blue' : state.green === 100 ? 'green' : 'split') : 'unknown');
    core.setOutput('final-weight', state?.kind === 'split' ? state.green : -1);
    return;
  }

  // A cancelled workflow run sends SIGINT, then SIGTERM: stop at the next wait and revert to blue.
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());

  // Before any traffic moves: writes made on blue since the backup would be left behind.
  if (drift !== undefined && config.strategy.command === 'promote') await runDriftCheck('promote', drift, blueDatabase!, config.strategy.dryRun);
  else if (config.strategy.command === 'promote' && config.topology === 'dual-cluster') {
    core.warning('no drift-manifest: writes made on blue after the backup green was restored from are not checked, and would be left behind', { title: 'promote: drift not checked' });
  }

  const notes = config.strategy.command === 'promote' ? await lossNotes(config.topology, config.pluginSource) : undefined;
  if (notes !== undefined && notes.topology === 'dual-cluster') {
    core.warning(`Dual-cluster switch: rate-limiting counters with policy cluster start from the copy's values and Enterprise Vitals has a gap for the switch window${notes.affected.length > 0 ? `; affected: ${notes.affected.join('; ')}` : ''}`, { title: 'promote: what a dual-cluster move loses' });
  }

  const result = await runPromotion(config.strategy, {
    backend: config.backend,
    gate: createGate(config.gate),
    log: info,
    signal: controller.signal,
  });

  core.setOutput('live', result.live);
  core.setOutput('final-weight', result.finalWeight);
  core.setOutput('outcome', result.outcome);
  core.setOutput('steps-json', stepsJson(result, config.backendKind));
  await core.summary.addRaw(renderPromoteMarkdown(result, describe, notes, SUMMARY_LIMIT_BYTES), true).write();

  if (result.outcome === 'failed') throw stepError('promote', `${result.reason}; live: ${result.live}`);
  if (result.outcome === 'held') throw stepError('promote', result.reason);
  if (result.outcome === 'reverted' && config.strategy.command !== 'revert') throw stepError('promote', `${result.reason}; reverted to blue`);
  info(`promote: ${result.outcome}, live ${result.live}, green ${result.finalWeight}%`);
});
