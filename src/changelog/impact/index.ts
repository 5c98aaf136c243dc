import { declarativeFormatVersion } from './declarative-consumer.js';
import { adminApiEntities, declarativeEntities } from './entities.js';
import { enterpriseRemovedFeature } from './enterprise-removed-feature.js';
import { kicCompatibility } from './kic-compatibility.js';
import { kongConfDefaultChanged } from './kong-conf-default-changed.js';
import { kongConfInvalidValue } from './kong-conf-invalid-value.js';
import { kongConfRemovedProperty } from './kong-conf-removed-property.js';
import { ltsFieldRenames } from './lts-field-renames.js';
import { nginxTemplate } from './nginx-template.js';
import { pluginChanges } from './plugin-changes.js';
import { pgSslPlaintextFallback, postgresScramAuth } from './postgres-connection.js';
import { postgresVersion } from './postgres-version.js';
import { routeRegexEngine } from './route-regex-engine.js';
import { routeRegexPrefix } from './route-regex-prefix.js';
import { routerFlavor } from './router-flavor.js';
import { secureByDefault } from './secure-by-default.js';
import type { Impact, ImpactContext, ImpactInput, ImpactRule } from './types.js';

export const IMPACT_RULES: readonly ImpactRule[] = [
  kongConfInvalidValue,
  kongConfRemovedProperty,
  kongConfDefaultChanged,
  routerFlavor,
  pluginChanges,
  declarativeFormatVersion,
  routeRegexEngine,
  routeRegexPrefix,
  kicCompatibility,
  ltsFieldRenames,
  secureByDefault,
  enterpriseRemovedFeature,
  postgresVersion,
  postgresScramAuth,
  pgSslPlaintextFallback,
  nginxTemplate,
];

/**
 * What the rules see: every entity source read into one shape. Without a word on who reads the
 * declarative files, both decK and Kong DB-less are assumed.
 */
export function impactContext(input: ImpactInput): ImpactContext {
  const { adminApi, declarative, declarativeConsumers, ...rest } = input;
  const entities = [
    ...(adminApi ? [adminApiEntities(adminApi)] : []),
    ...(declarative ?? []).map((file) => declarativeEntities(file.file, file.text)),
  ];
  return { ...rest, entities, declarativeConsumers: declarativeConsumers ?? ['deck', 'db-less'] };
}

/** Runs every rule on the deployment; errors first, then warnings, each in rule order. */
export function runImpactRules(context: ImpactContext): Impact[] {
  const impacts = IMPACT_RULES.flatMap((rule) => rule.check(context));
  return [...impacts.filter((i) => i.severity === 'error'), ...impacts.filter((i) => i.severity === 'warning')];
}

export function analyzeImpact(input: ImpactInput): Impact[] {
  return runImpactRules(impactContext(input));
}

export type { AdminInventory, DeclarativeConsumer, EntitySet, Impact, ImpactInput, ImpactSeverity, PostgresSupport } from './types.js';
export { DECLARATIVE_INPUT } from './entities.js';
