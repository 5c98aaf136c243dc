import { describeSetting, diffKongConf } from '../kong-conf.js';
import { crosses } from './crossing.js';
import { settingWhere } from './kong-conf-where.js';
import type { Impact, ImpactContext, ImpactRule } from './types.js';

interface RetiredProperty {
  readonly matches: (name: string) => boolean;
  readonly appliesFrom: string;
  readonly why: string;
  readonly replacement?: string;
  /** Still read by the target, with a warning: to move, not yet gone. */
  readonly deprecated?: true;
}

const named = (...names: string[]) => (name: string) => names.includes(name);

// Properties that go away even where no kong.conf.default can be compared (Enterprise-only
// ones, or a plan without the target's file). Facts: upgrade-paths-helm-operator-deck.md §1.6
// (2.8 → 3.4 kong.conf table) and §1.9, changelog-and-admin-api.md §A.4; the Enterprise
// changelog's breaking changes (developer.konghq.com app/_data/changelogs/gateway.json: the
// data-plane cache settings in 3.0.0.0, declarative_config_encryption_mode in 3.4.0.0).
//
// Then the properties Kong honoured without listing them in kong.conf.default: the keys of
// kong/templates/kong_defaults.lua and the deprecated aliases of kong/conf_loader/init.lua,
// compared between Kong/kong tags (2.8.5 → 3.0.0, 3.0.0 → 3.1.0, 3.2.0 → 3.3.0, 3.4.0 → 3.5.0).
const RETIRED: readonly RetiredProperty[] = [
  { matches: (name) => name.startsWith('cassandra_'), appliesFrom: '3.4.0', why: 'Cassandra support ends in 3.4.0' },
  {
    matches: named('data_plane_config_cache_mode', 'data_plane_config_cache_path'),
    appliesFrom: '3.0.0',
    why: 'removed in 3.0.0.0: data planes keep their config in LMDB instead',
  },
  { matches: named('declarative_config_encryption_mode'), appliesFrom: '3.4.0', why: 'removed in 3.4.0.0 with LMDB encryption' },
  {
    // Kong Enterprise 3.4.0.0 changelog: "Renamed … `admin_api_uri` to `admin_gui_api_url`. The
    // old `admin_api_uri` property is considered deprecated and will be fully removed in a future version".
    matches: named('admin_api_uri'),
    appliesFrom: '3.4.0',
    why: 'renamed to `admin_gui_api_url` in 3.4.0.0 and deprecated: still read, to be removed in a later version',
    replacement: 'admin_gui_api_url',
    deprecated: true,
  },
  {
    matches: named('client_max_body_size'),
    appliesFrom: '3.0.0',
    why: 'the 2.x alias of `nginx_http_client_max_body_size` is gone in 3.0, so the proxy loses this request body limit (the default, 0, is unlimited)',
    replacement: 'nginx_http_client_max_body_size',
  },
  {
    matches: named('go_plugins_dir', 'go_pluginserver_exe'),
    appliesFrom: '3.0.0',
    why: 'the Go plugin server settings are gone in 3.0, so Go plugins stop loading',
    replacement: 'pluginserver_names',
  },
  {
    matches: named('upstream_keepalive', 'nginx_upstream_keepalive', 'nginx_http_upstream_keepalive'),
    appliesFrom: '3.0.0',
    why: 'this 2.x alias is gone in 3.0, so the upstream keepalive pool falls back to its default',
    replacement: 'upstream_keepalive_pool_size',
  },
  {
    matches: named('nginx_upstream_keepalive_requests', 'nginx_http_upstream_keepalive_requests'),
    appliesFrom: '3.0.0',
    why: 'this 2.x alias is gone in 3.0, so the limit falls back to its default',
    replacement: 'upstream_keepalive_max_requests',
  },
  {
    matches: named('nginx_upstream_keepalive_timeout', 'nginx_http_upstream_keepalive_timeout'),
    appliesFrom: '3.0.0',
    why: 'this 2.x alias is gone in 3.0, so the timeout falls back to its default',
    replacement: 'upstream_keepalive_idle_timeout',
  },
  { matches: named('nginx_optimizations'), appliesFrom: '3.0.0', why: 'gone in 3.0 (it had no effect since 2.0)' },
  { matches: named('cassandra_consistency'), appliesFrom: '3.0.0', why: 'gone in 3.0', replacement: 'cassandra_write_consistency' },
  { matches: named('legacy_hybrid_protocol'), appliesFrom: '3.1.0', why: 'gone in 3.1: data planes speak the new protocol only' },
  { matches: named('legacy_worker_events'), appliesFrom: '3.3.0', why: 'gone in 3.3' },
  { matches: named('privileged_agent'), appliesFrom: '3.5.0', why: 'gone in 3.5', replacement: 'dedicated_config_processing' },
];

/** A property set in the user's kong.conf that the target no longer knows. */
export const kongConfRemovedProperty: ImpactRule = {
  id: 'kong-conf-removed-property',
  check(context) {
    const conf = context.kongConf;
    if (!conf) return [];
    const removedInDefaults = removedByDefaults(context);
    return [...conf.settings].flatMap(([name, setting]): Impact[] => {
      const retired = RETIRED.find((entry) => entry.matches(name) && crosses(context, entry.appliesFrom));
      const why = retired?.why ?? (removedInDefaults.has(name) ? 'not in the target kong.conf.default' : undefined);
      if (why === undefined) return [];
      return [
        {
          rule: 'kong-conf-removed-property',
          severity: 'warning',
          title: retired?.deprecated ? `kong.conf sets \`${name}\`, deprecated on the target` : `kong.conf sets \`${name}\`, which the target no longer has`,
          detail: `${describeSetting(name, setting)}: ${why}.`,
          where: settingWhere(conf, setting),
          remedy: retired?.replacement
            ? `Move the value to \`${retired.replacement}\` and remove \`${name}\` (and its KONG_${name.toUpperCase()} variable, if any).`
            : `Remove \`${name}\` (and its KONG_${name.toUpperCase()} variable, if any) once on the target.`,
        },
      ];
    });
  },
};

function removedByDefaults(context: ImpactContext): ReadonlySet<string> {
  const defaults = context.kongConfDefaults;
  if (!defaults) return new Set();
  return new Set(diffKongConf(defaults.from, defaults.to).removed.map((entry) => entry.name));
}
