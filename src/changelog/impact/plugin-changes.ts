import { crosses } from './crossing.js';
import type { EntitySource, Impact, ImpactRule, PluginRef } from './types.js';

type Config = Readonly<Record<string, unknown>>;

/**
 * A bundled-plugin change that breaks or alters a deployment using the plugin. `removed-field`:
 * the target's schema rejects a field the config still sets; `behaviour`: the config loads but
 * the plugin acts or reports differently.
 */
interface PluginChange {
  readonly plugins: readonly string[];
  readonly appliesFrom: string;
  readonly kind: 'removed-field' | 'behaviour';
  /** The offending part of the config, or undefined when this config is not affected. */
  readonly evidence: (config: Config) => string | undefined;
  readonly title: string;
  readonly remedy: string;
}

// Curated from Kong's 3.0.0 changelog (shared oss/CHANGELOG.md, "Plugins" breaking changes),
// facts upgrade-paths-helm-operator-deck.md §6 item 8 and §5.3 (what decK's 2.8 → 3.4 convert
// rewrites; Canary is Enterprise).
const CHANGES: readonly PluginChange[] = [
  {
    plugins: ['acl', 'ip-restriction', 'bot-detection', 'canary'],
    appliesFrom: '3.0.0',
    kind: 'removed-field',
    evidence: (config) => setFields(config, ['blacklist', 'whitelist']),
    title: 'uses `blacklist`/`whitelist`, removed in 3.0',
    remedy: 'Move the lists to `config.deny` / `config.allow` (decK: `deck file convert --from 2.8 --to 3.4`).',
  },
  {
    plugins: ['pre-function', 'post-function'],
    appliesFrom: '3.0.0',
    kind: 'removed-field',
    evidence: (config) => setFields(config, ['functions']),
    title: 'uses `config.functions`, removed in 3.0',
    remedy: 'Move the functions to `config.access` (the phase `functions` ran in).',
  },
  {
    plugins: ['aws-lambda'],
    appliesFrom: '3.0.0',
    kind: 'removed-field',
    evidence: (config) => setFields(config, ['proxy_scheme']),
    title: 'sets `config.proxy_scheme`, removed in 3.0',
    remedy: 'Remove `proxy_scheme` from the config.',
  },
  {
    plugins: ['aws-lambda'],
    appliesFrom: '3.0.0',
    kind: 'behaviour',
    evidence: (config) => (isUnset(config['aws_region']) ? 'config.aws_region is not set' : undefined),
    title: 'needs a region from 3.0',
    remedy: 'Set `config.aws_region`, or provide the region through the environment of every node.',
  },
  {
    plugins: ['http-log'],
    appliesFrom: '3.0.0',
    kind: 'removed-field',
    evidence: (config) => {
      const headers = config['headers'];
      const listed = isRecord(headers) ? Object.keys(headers).filter((name) => Array.isArray(headers[name])) : [];
      return listed.length > 0 ? `config.headers ${listed.join(', ')} hold lists` : undefined;
    },
    title: 'gives header values as lists; 3.0 takes one string per header',
    remedy: 'Give each header in `config.headers` a single string value.',
  },
  {
    plugins: ['prometheus'],
    appliesFrom: '3.0.0',
    kind: 'behaviour',
    evidence: () => 'plugin enabled',
    title: 'exports reworked metrics from 3.0',
    remedy:
      'Update dashboards and alerts for the renamed and merged metrics (e.g. `http_requests_total`, the split latency histograms), and turn on the status-code, latency, bandwidth and upstream-health metrics you need; they are off by default.',
  },
  {
    plugins: ['statsd'],
    appliesFrom: '3.0.0',
    kind: 'behaviour',
    evidence: () => 'plugin enabled',
    title: 'renames service metrics from 3.0',
    remedy: 'Update dashboards and alerts: service metrics gain a `service.` segment in their names.',
  },
];

export const pluginChanges: ImpactRule = {
  id: 'plugin-changes',
  check(context) {
    const crossed = CHANGES.filter((change) => crosses(context, change.appliesFrom));
    return context.entities.flatMap((set) =>
      set.plugins.flatMap((plugin) =>
        crossed.filter((change) => change.plugins.includes(plugin.name)).flatMap((change) => impactOf(change, plugin, set.source)),
      ),
    );
  },
};

function impactOf(change: PluginChange, plugin: PluginRef, source: EntitySource): Impact[] {
  const evidence = change.evidence(plugin.config);
  if (evidence === undefined) return [];
  // A file (or a KIC resource) is loaded as written, so a removed field stops it loading.
  // Stored configs go through Kong's plugin migrations, which convert them where the plugin
  // ships one (facts plugin-migrations.txt); what remains is tooling that still sends the old field.
  const severity = change.kind === 'removed-field' && source !== 'admin-api' ? 'error' : 'warning';
  const stored =
    change.kind === 'removed-field' && source === 'admin-api'
      ? ' Stored configs are converted by the plugin migrations where they exist; scripts and files that still send the field will be rejected.'
      : '';
  return [
    {
      rule: 'plugin-changes',
      severity,
      title: `Plugin ${plugin.name} ${change.title}`,
      detail: `${plugin.where}: ${evidence} (changed in ${change.appliesFrom}).${stored}`,
      where: plugin.where,
      remedy: change.remedy,
    },
  ];
}

function setFields(config: Config, names: readonly string[]): string | undefined {
  const set = names.filter((name) => !isUnset(config[name]));
  return set.length > 0 ? set.map((name) => `config.${name}`).join(', ') + ' set' : undefined;
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
