import * as core from '@actions/core';
import path from 'node:path';
import { buildPlan } from '../../changelog/plan.js';
import { readPlanRequest } from '../../changelog/plan-request.js';
import { serializePlan } from '../../changelog/plan-types.js';
import { renderPlanMarkdown } from '../../changelog/render/markdown.js';
import { stepError } from '../../lib/errors.js';
import { readBoolean, readPath } from '../../lib/inputs.js';
import { SUMMARY_LIMIT_BYTES } from '../../lib/markdown.js';
import { writeInputFile } from '../../lib/output-file.js';
import { actionInputs, info, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';

const inputs = actionInputs(DEFAULTS);

await runAction(async () => {
  const request = await readPlanRequest(inputs);
  const failOnImpact = readBoolean(inputs, 'fail-on-impact', false);
  const planFile = path.resolve(
    readPath(inputs, 'plan-file') ?? path.join(process.env.RUNNER_TEMP ?? process.cwd(), 'kong-upgrade-plan.json'),
  );

  const plan = await buildPlan(request, { log: info });

  await writeInputFile(planFile, serializePlan(plan), 'plan-file');

  const breaking = plan.counts.breaking + plan.notes.length;
  core.setOutput('from', plan.from);
  core.setOutput('to', plan.to);
  core.setOutput('hops', JSON.stringify(plan.hops.map((hop) => ({ from: hop.from, to: hop.to }))));
  core.setOutput('hop-count', plan.hops.length);
  core.setOutput('breaking-count', breaking);
  core.setOutput('impacted-count', plan.impacts.length);
  core.setOutput('requires-finish', plan.requiresFinish);
  core.setOutput('recommended-strategy', plan.strategy.recommended);
  core.setOutput('plan-json', planFile);

  for (const impact of plan.impacts) {
    const annotate = impact.severity === 'error' ? core.error : core.warning;
    annotate(`${impact.detail} Remedy: ${impact.remedy}${impact.where === undefined ? '' : ` (${impact.where})`}`, {
      title: `Kong ${plan.to}: ${impact.title}`,
    });
  }
  await core.summary.addRaw(renderPlanMarkdown(plan, SUMMARY_LIMIT_BYTES), true).write();

  info(`Plan ${plan.from} → ${plan.to}: ${plan.hops.length} hop(s), ${breaking} breaking change(s), ${plan.impacts.length} impact(s); written to ${planFile}`);
  const errors = plan.impacts.filter((impact) => impact.severity === 'error');
  if (failOnImpact && errors.length > 0) {
    throw stepError('impact check', `${errors.length} finding(s) of severity error hit this deployment (fail-on-impact is true): ${errors.map((e) => e.title).join('; ')}`);
  }
});
