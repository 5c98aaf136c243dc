import { isRecord } from '../declarative/values.js';
import { compareKongVersions, parseKongVersion } from '../../version/kong-version.js';
import type { Impact, ImpactRule, PluginRef } from './types.js';

type Config = Readonly<Record<string, unknown>>;

// What `deck file convert --from 3.4 --to 3.10` (decK 1.51 or later) rewrites, per
// developer.konghq.com deck/file/convert ("3.4 to 3.10") and facts
// upgrade-paths-helm-operator-deck.md §5.3: Redis addresses of every plugin with Redis
// settings, the AI plugins' upstream path, AI Rate Limiting Advanced's window sizes.
const RENAMES: readonly { readonly evidence: (config: Config) => string | undefined; readonly change: string }[] = [
  { evidence: (config) => setIn(config, ['redis', 'cluster_addresses']), change: '`redis.cluster_addresses` becomes `redis.cluster_nodes`' },
  { evidence: (config) => setIn(config, ['redis', 'sentinel_addresses']), change: '`redis.sentinel_addresses` becomes `redis.sentinel_nodes`' },
  { evidence: (config) => setIn(config, ['model', 'options', 'upstream_path']), change: '`model.options.upstream_path` becomes `upstream_url`' },
  {
    evidence: (config) => {
      const providers = config['llm_providers'];
      return Array.isArray(providers) && providers.some((p) => isRecord(p) && typeof p['window_size'] === 'number') ? 'config.llm_providers[].window_size' : undefined;
    },
    change: '`llm_providers[].window_size` becomes a list',
  },
];

const LTS_34_LAST = parseKongVersion('3.5.0');
const LTS_310 = parseKongVersion('3.10.0');

/** 3.4 → 3.10 (the LTS hop): plugin fields the target renamed, in a file or the Admin API. */
export const ltsFieldRenames: ImpactRule = {
  id: 'lts-field-renames',
  check(context) {
    if (compareKongVersions(context.from, LTS_34_LAST) >= 0 || compareKongVersions(context.to, LTS_310) < 0) return [];
    return context.entities.flatMap((set) =>
      set.plugins.flatMap((plugin) =>
        RENAMES.flatMap(({ evidence, change }): Impact[] => {
          const found = evidence(plugin.config);
          return found === undefined ? [] : [finding(plugin, found, change, set.source === 'admin-api')];
        }),
      ),
    );
  },
};

function finding(plugin: PluginRef, evidence: string, change: string, stored: boolean): Impact {
  return {
    rule: 'lts-field-renames',
    severity: 'warning',
    title: `Plugin ${plugin.name}: ${change} on the way to 3.10`,
    detail: `${plugin.where}: ${evidence} is set.${stored ? ' Scripts and files that send the old field must change too.' : ''}`,
    where: plugin.where,
    remedy: 'Run `deck file convert --from 3.4 --to 3.10 --input-file kong-3.4.yaml --output-file kong-3.10.yaml` (decK 1.51 or later) on the file or a `deck gateway dump`, review it, then diff against the upgraded cluster.',
  };
}

function setIn(config: Config, keys: readonly string[]): string | undefined {
  let node: unknown = config;
  for (const key of keys) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  const set = node !== undefined && node !== null && node !== '' && !(Array.isArray(node) && node.length === 0);
  return set ? `config.${keys.join('.')}` : undefined;
}
