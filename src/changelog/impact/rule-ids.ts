/** The impact rules' ids: the plan's vocabulary for "checked in this deployment by …". */
export const RULE_IDS = [
  'kong-conf-removed-property',
  'kong-conf-invalid-value',
  'kong-conf-default-changed',
  'router-flavor',
  'plugin-changes',
  'route-regex-engine',
  'route-regex-prefix',
  'secure-by-default',
  'postgres-version',
  'nginx-template',
] as const;

export type RuleId = (typeof RULE_IDS)[number];
