import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { inputError, stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import type { Batch } from './nodes.js';

/**
 * The operator script (workflows-examples/operator/README.md) called for one batch: phase
 * `roll-batch` replaces the batch's nodes with the new version, `revert-batch` puts them back
 * at the old one. The script gets the step's KONG_UPGRADE_* variables (and the secrets the
 * workflow gave that step) plus the batch's own; never this action's inputs, which hold tokens.
 */
export type BatchPhase = 'roll-batch' | 'revert-batch';

export interface OperatorCall {
  readonly script: string;
  readonly phase: BatchPhase;
  readonly batch: Batch;
  readonly index: number;
  readonly count: number;
  readonly version: string;
  readonly deployment: string;
  /** DB-less: the declarative file the new (or reverted) nodes load. */
  readonly declarativeConfig: string | undefined;
}

/** The script as the workflows name it: a path inside the repository, executable. */
export async function resolveOperatorScript(given: string, cwd: string): Promise<string> {
  if (path.isAbsolute(given) || given.split(/[\\/]/).includes('..')) throw inputError('operator-script', `must be a path inside your repository, got "${given}"`);
  const file = path.join(cwd, given);
  try {
    await access(file, constants.X_OK);
  } catch {
    throw inputError('operator-script', `"${given}" is not an executable file in this repository (chmod +x it)`);
  }
  return file;
}

export async function callOperator(call: OperatorCall, log: (line: string) => void): Promise<void> {
  // The action's own inputs (INPUT_*) may hold tokens: the script never sees them.
  const hidden = Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith('INPUT_')).map((name) => [name, '']));
  const env = {
    ...hidden,
    KONG_UPGRADE_BATCH: JSON.stringify(call.batch.map((node) => node.name)),
    KONG_UPGRADE_BATCH_INDEX: String(call.index),
    KONG_UPGRADE_BATCH_COUNT: String(call.count),
    KONG_UPGRADE_VERSION: call.version,
    KONG_UPGRADE_DEPLOYMENT: call.deployment,
    KONG_UPGRADE_DECLARATIVE_CONFIG: call.declarativeConfig ?? '',
  };
  log(`${path.basename(call.script)} ${call.phase}: batch ${call.index}/${call.count} ${env.KONG_UPGRADE_BATCH} at ${call.version}`);
  const result = await execCommand({ command: call.script, args: [call.phase], env, onLine: (line) => log(`  | ${line}`) });
  if (result.exitCode !== 0) {
    throw stepError(`operator ${call.phase} (batch ${call.index})`, `the operator script exited with code ${result.exitCode}${result.exitCode === 2 ? ' (2: not configured or an unknown phase: does your script know roll-batch and revert-batch?)' : ''}`);
  }
}
