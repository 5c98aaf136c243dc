import { adminApiEntities, declarativeEntities } from './entities.js';
import { kongConfDefaultChanged } from './kong-conf-default-changed.js';
import { kongConfInvalidValue } from './kong-conf-invalid-value.js';
import { kongConfRemovedProperty } from './kong-conf-removed-property.js';
import { nginxTemplate } from './nginx-template.js';
import { pluginChanges } from './plugin-changes.js';
import { postgresVersion } from './postgres-version.js';
import { routeRegexEngine } from './route-regex-engine.js';
import { routeRegexPrefix } from './route-regex-prefix.js';
import { routerFlavor } from './router-flavor.js';
import { secureByDefault } from './secure-by-default.js';
import type { EntitySet, Impact, ImpactInput, ImpactRule } from './types.js';

export const IMPACT_RULES: readonly ImpactRule[] = [
  kongConfInvalidValue,
  kongConfRemovedProperty,
  kongConfDefaultChanged,
  routerFlavor,
  pluginChanges,
  routeRegexEngine,
  routeRegexPrefix,
  secureByDefault,
  postgresVersion,
  nginxTemplate,
];

/** Runs every rule on the deployment; errors first, then warnings, each in rule order. */
export function analyzeImpact(input: ImpactInput): Impact[] {
  const { adminApi, declarative, ...rest } = input;
  const entities: EntitySet[] = [];
  if (adminApi) entities.push(adminApiEntities(adminApi));
  for (const file of declarative ?? []) entities.push(declarativeEntities(file.file, file.text));
  const context = { ...rest, entities };
  const impacts = IMPACT_RULES.flatMap((rule) => rule.check(context));
  return [...impacts.filter((i) => i.severity === 'error'), ...impacts.filter((i) => i.severity === 'warning')];
}

export type { AdminInventory, Impact, ImpactInput, ImpactSeverity, PostgresSupport } from './types.js';
export { DECLARATIVE_INPUT } from './entities.js';
