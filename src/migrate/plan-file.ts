import { PLAN_SCHEMA, type UpgradePlan } from '../changelog/plan-types.js';
import { listOf, object, optional, text, readContract, type Contract } from '../lib/json-shape.js';
import { tryParseKongVersion } from '../version/kong-version.js';

const kongVersion = text((value) => tryParseKongVersion(value) !== undefined, 'a Kong version');

/** The plan as migrate reads it: where it goes, and each hop with the teardowns its finish runs. */
export const PLAN: Contract = {
  schema: PLAN_SCHEMA,
  name: 'plan',
  shape: object({
    from: kongVersion,
    to: kongVersion,
    hops: listOf(object({ from: kongVersion, to: kongVersion, teardownMigrations: optional(listOf(text())) })),
  }),
};

/** fetch-changelog's plan-json, checked before any hop is taken from it; errors name `plan-json`. */
export async function readPlanFile(file: string): Promise<UpgradePlan> {
  return readContract<UpgradePlan>(file, 'plan-json', [PLAN]);
}
