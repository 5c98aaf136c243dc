import * as core from '@actions/core';
import { errorMessage } from '../lib/errors.js';
import { withDefaults, type InputSource } from '../lib/inputs.js';
import { logLine, logLines } from '../lib/log-text.js';

/** Inputs as the runner gives them (`INPUT_<NAME>`), with masking through `core.setSecret`. */
const runnerInputs: InputSource = {
  get: (name) => core.getInput(name),
  mask: (secret) => core.setSecret(secret),
};

/** An action's inputs, read with its manifest's defaults (`inputs.generated.ts` beside its main.ts). */
export function actionInputs(defaults: Readonly<Record<string, string>>): InputSource {
  return withDefaults(runnerInputs, defaults);
}

/**
 * Of `names`, the inputs the workflow gave as empty. The runner sets `INPUT_<NAME>` for every
 * input action.yml declares: the workflow's value when `with:` names it, else the default. So
 * for an input whose default is not empty, an empty value means `with:` gave it and its
 * expression resolved to nothing (a step id or output that does not exist, say).
 */
export function givenEmpty(names: readonly string[]): string[] {
  return names.filter((name) => process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim() === '');
}

/**
 * The one way an action prints a log line: `core.info` writes its text as is, so a value with a
 * line break (an input, a Kong error body) could start a line of its own that the runner reads as
 * a workflow command. Here it stays one line, with anything command-like disarmed (log-text.ts).
 */
export function info(text: string): void {
  core.info(logLine(text));
}

/** Text whose line breaks are its own (a rendered manifest): printed line by line, each disarmed. */
export function infoLines(text: string): void {
  for (const line of logLines(text)) core.info(line);
}

/**
 * Every action's entry: run the adapter and turn any error into one clear failure line.
 * Nothing is rethrown, so the runner sees exit code 1 and the message, never a stack trace.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    core.setFailed(logLine(errorMessage(error)));
    if (error instanceof Error && error.stack && !(error.name === 'UpgradeError')) core.debug(error.stack);
  }
}
