/** The impact rules' ids: the plan's vocabulary for "checked in this deployment by …". */
export const RULE_IDS = [
  'kong-conf-removed-property',
  'kong-conf-invalid-value',
  'kong-conf-default-changed',
  'router-flavor',
  'plugin-changes',
  'declarative-format-version',
  'route-regex-engine',
  'route-regex-prefix',
  'kic-compatibility',
  'lts-field-renames',
  'secure-by-default',
  'enterprise-removed-feature',
  'postgres-version',
  'postgres-scram-auth',
  'pg-ssl-plaintext-fallback',
  'nginx-template',
] as const;

export type RuleId = (typeof RULE_IDS)[number];
