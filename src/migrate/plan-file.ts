import { readFile } from 'node:fs/promises';
import { PLAN_SCHEMA, type UpgradePlan } from '../changelog/plan-types.js';
import { inputError } from '../lib/errors.js';
import { tryParseKongVersion } from '../version/kong-version.js';

export async function readPlanFile(file: string): Promise<UpgradePlan> {
  let data: UpgradePlan;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as UpgradePlan;
  } catch (error) {
    throw inputError('plan-json', `cannot read ${file} as JSON: ${(error as Error).message}`, error);
  }
  if (data?.schema !== PLAN_SCHEMA || !Array.isArray(data.hops)) {
    throw inputError('plan-json', `${file} is not a plan (schema ${JSON.stringify(data?.schema)}, expected ${PLAN_SCHEMA})`);
  }
  for (const [i, hop] of data.hops.entries()) {
    if (typeof hop?.to !== 'string' || tryParseKongVersion(hop.to) === undefined) throw inputError('plan-json', `hops[${i}].to is not a Kong version`);
  }
  return data;
}
