import * as core from '@actions/core';
import path from 'node:path';
import { readSmokeOptions } from '../../checks/options.js';
import { notPassed, serializeReport } from '../../checks/report.js';
import { renderSmokeMarkdown, runSmokeTest } from '../../checks/smoke.js';
import { stepError } from '../../lib/errors.js';
import { readPath } from '../../lib/inputs.js';
import { SUMMARY_LIMIT_BYTES } from '../../lib/markdown.js';
import { writeInputFile } from '../../lib/output-file.js';
import { actionInputs, givenEmpty, info, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';

const inputs = actionInputs(DEFAULTS);

await runAction(async () => {
  for (const name of givenEmpty(['baseline', 'backup-manifest'])) {
    core.warning(`${name} is set but empty, so no entity counts are compared: the expression that gives it resolved to nothing (a step id or output that does not exist?). Leave it out, or give none, for no baseline.`, { title: `smoke-test: ${name} is empty` });
  }
  const options = await readSmokeOptions(inputs);
  const reportFile = path.resolve(
    readPath(inputs, 'report-file') ?? path.join(process.env.RUNNER_TEMP ?? process.cwd(), 'kong-smoke-report.json'),
  );

  const report = await runSmokeTest(options, info);

  await writeInputFile(reportFile, serializeReport(report), 'report-file');

  const failing = notPassed(report.checks);
  core.setOutput('passed', report.passed);
  core.setOutput('report-json', reportFile);
  core.setOutput('failed-checks', JSON.stringify(failing.map((check) => check.name)));

  for (const check of failing) {
    const annotate = check.status === 'fail' ? core.error : core.warning;
    annotate(check.details, { title: `smoke-test ${check.status}: ${check.name}` });
  }
  await core.summary.addRaw(renderSmokeMarkdown(report, SUMMARY_LIMIT_BYTES), true).write();

  info(`Smoke report written to ${reportFile}`);
  if (!report.passed) {
    throw stepError('smoke test', `${failing.length} check(s) did not pass: ${failing.map((check) => `${check.name} (${check.status}: ${check.details})`).join('; ')}`);
  }
  info(`Smoke test passed: ${report.checks.length} check(s)`);
});
