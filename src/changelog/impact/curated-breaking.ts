import type { KongVersion } from '../../version/kong-version.js';
import { crosses } from './crossing.js';
import type { RuleId } from './rule-ids.js';

/**
 * The breaking changes operators trip over most, in the project's words, each tied to the
 * impact rule that looks for it in a deployment. Sources: facts
 * upgrade-paths-helm-operator-deck.md §1.2, §1.6, §1.9, §5.3, §6 items 1, 2 and 8;
 * changelog-and-admin-api.md §A.4; Kong's 3.0.0 changelog.
 */
export interface CuratedBreakingChange {
  readonly id: string;
  /** The first version with the change; an upgrade from below it to it or above crosses it. */
  readonly appliesFrom: string;
  readonly title: string;
  readonly summary: string;
  readonly detectedBy: RuleId;
}

export const CURATED_BREAKING_CHANGES: readonly CuratedBreakingChange[] = [
  {
    id: 'regex-path-prefix',
    appliesFrom: '3.0.0',
    title: 'Regex route paths must start with `~`',
    summary:
      'From 3.0 a path counts as a regex only with a leading `~`; everything else is plain text. The database migration prefixes stored routes, but declarative files and scripts keep the old form until converted.',
    detectedBy: 'route-regex-prefix',
  },
  {
    id: 'regex-engine',
    appliesFrom: '3.0.0',
    title: 'Regex paths are compiled by a different engine',
    summary:
      'The default 3.x router uses a Rust regex engine: look-around, backreferences, atomic groups and possessive quantifiers no longer compile.',
    detectedBy: 'route-regex-engine',
  },
  {
    id: 'router-flavor',
    appliesFrom: '3.0.0',
    title: 'New router by default (`router_flavor`)',
    summary:
      'Routes are matched by atc-router (`traditional_compatible`) unless kong.conf asks for `traditional`; matching priorities can differ from 2.x.',
    detectedBy: 'router-flavor',
  },
  {
    id: 'worker-consistency-default',
    appliesFrom: '3.0.0',
    title: '`worker_consistency` defaults to `eventual`',
    summary: 'Workers rebuild routing state in the background instead of on the request path, so changes take effect slightly later.',
    detectedBy: 'kong-conf-default-changed',
  },
  {
    id: 'lua-ssl-trusted-certificate-default',
    appliesFrom: '3.0.0',
    title: '`lua_ssl_trusted_certificate` defaults to `system`',
    summary: 'Outbound TLS from Lua trusts the operating system CA store unless kong.conf says otherwise.',
    detectedBy: 'kong-conf-default-changed',
  },
  {
    id: 'pg-ssl-version-tlsv1',
    appliesFrom: '3.2.1',
    title: '`pg_ssl_version = tlsv1` is rejected',
    summary: 'Enterprise 3.2.1.0 and later need TLS 1.2 or newer to PostgreSQL (`pg_ssl_version` defaults to `tlsv1_2`); a kong.conf still asking for TLS 1.0 stops the node.',
    detectedBy: 'kong-conf-invalid-value',
  },
  {
    id: 'plugin-fields-removed',
    appliesFrom: '3.0.0',
    title: 'Deprecated plugin fields removed',
    summary:
      '`blacklist`/`whitelist` (ACL, IP Restriction, Bot Detection, Canary), `functions` (Pre/Post-Function), `proxy_scheme` (AWS Lambda) are gone, and HTTP Log takes one string per header.',
    detectedBy: 'plugin-changes',
  },
  {
    id: 'plugin-metrics-renamed',
    appliesFrom: '3.0.0',
    title: 'Prometheus and StatsD metrics renamed',
    summary: 'Dashboards and alerts built on 2.x metric names stop matching; several Prometheus metrics are also off by default.',
    detectedBy: 'plugin-changes',
  },
  {
    id: 'cassandra-removed',
    appliesFrom: '3.4.0',
    title: 'Cassandra is no longer supported',
    summary: 'From 3.4 the datastore is PostgreSQL or none; a Cassandra deployment has to move to PostgreSQL before upgrading.',
    detectedBy: 'kong-conf-invalid-value',
  },
  {
    id: 'kong-conf-properties-removed',
    appliesFrom: '3.4.0',
    title: 'kong.conf properties removed',
    summary: 'All `cassandra_*` settings and the data-plane config cache settings are gone; `admin_api_uri` gives way to `admin_gui_api_url`.',
    detectedBy: 'kong-conf-removed-property',
  },
  {
    id: 'status-listen-default',
    appliesFrom: '3.6.0',
    title: 'Status API listens by default',
    summary: '`status_listen` now opens 127.0.0.1:8007 unless kong.conf sets it, which can clash with whatever already uses that port.',
    detectedBy: 'kong-conf-default-changed',
  },
  {
    id: 'secure-by-default',
    appliesFrom: '3.14.0',
    title: 'Secure defaults for routes, services and auth plugins',
    summary:
      'Routes default to HTTPS only, services verify upstream certificates, auth plugins hide credentials and plugins verify TLS, wherever the config leaves these fields out.',
    detectedBy: 'secure-by-default',
  },
];

/** The curated changes an upgrade from `from` to `to` crosses, oldest first. */
export function crossedBreakingChanges(from: KongVersion, to: KongVersion): CuratedBreakingChange[] {
  return CURATED_BREAKING_CHANGES.filter((change) => crosses({ from, to }, change.appliesFrom));
}
