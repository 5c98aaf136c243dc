import * as core from '@actions/core';
import { errorMessage } from '../lib/errors.js';
import type { InputSource } from '../lib/inputs.js';

/** Inputs as the runner gives them (`INPUT_<NAME>`), with masking through `core.setSecret`. */
export const runnerInputs: InputSource = {
  get: (name) => core.getInput(name),
  mask: (secret) => core.setSecret(secret),
};

/**
 * Every action's entry: run the adapter and turn any error into one clear failure line.
 * Nothing is rethrown, so the runner sees exit code 1 and the message, never a stack trace.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    core.setFailed(errorMessage(error));
    if (error instanceof Error && error.stack && !(error.name === 'UpgradeError')) core.debug(error.stack);
  }
}
