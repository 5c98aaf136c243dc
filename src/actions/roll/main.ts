import * as core from '@actions/core';
import { stepError } from '../../lib/errors.js';
import { writeInputFile } from '../../lib/output-file.js';
import { renderConversionSummary, runConversion } from '../../rolling/convert.js';
import { countEntities, readDeclarative } from '../../rolling/declarative.js';
import { readRollRequest } from '../../rolling/request.js';
import { renderRollingSummary } from '../../rolling/report.js';
import { roll } from '../../rolling/roll.js';
import { actionInputs, info, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';

const inputs = actionInputs(DEFAULTS);

await runAction(async () => {
  const request = await readRollRequest(inputs, process.cwd(), process.env);

  if (request.command === 'convert') {
    const { installTool } = await import('../../lib/tool-install.js');
    const result = await runConversion(
      request,
      (release) => installTool({ tool: 'deck', version: release.version, url: release.url, checksumsUrl: release.checksumsUrl, binary: 'deck', input: 'deck-version', log: info }),
      info,
    );
    core.setOutput('converted-config', result.output);
    core.setOutput('changes', result.changes.length);
    core.setOutput('entities', JSON.stringify(result.after));
    await core.summary.addRaw(renderConversionSummary(result), true).write();
    info(`Converted file: ${result.output} (${result.changes.length} change(s))`);
    return;
  }

  const declarative =
    request.declarative === undefined
      ? undefined
      : await readDeclarative(request.declarative.converted, 'declarative-config').then((file) => ({
          ...request.declarative!,
          check: { text: file.text, counts: countEntities(file.document) },
        }));
  const report = await roll({ ...request, declarative }, info);
  await writeInputFile(request.reportFile, `${JSON.stringify(report, null, 2)}\n`, 'report-file');
  const rolled = report.batches.filter((batch) => batch.outcome === 'rolled');
  core.setOutput('completed', report.completed);
  core.setOutput('batches-rolled', rolled.length);
  core.setOutput('nodes-rolled', JSON.stringify(rolled.flatMap((batch) => batch.nodes)));
  core.setOutput('report-json', request.reportFile);
  await core.summary.addRaw(renderRollingSummary(report), true).write();
  if (!report.completed && !report.dryRun) {
    const stop = report.batches.find((batch) => batch.outcome !== 'rolled')!;
    const notRun = report.batches.filter((batch) => batch.outcome === 'not-run' && batch.index > stop.index).length;
    throw stepError(`rolling upgrade, batch ${stop.index}`, `${stop.summary}. The rollout stopped: ${rolled.length} batch(es) rolled, ${notRun} not started, and their nodes keep the old version`);
  }
});
