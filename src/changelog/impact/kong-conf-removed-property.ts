import { describeSetting, diffKongConf } from '../kong-conf.js';
import { crosses } from './crossing.js';
import type { Impact, ImpactContext, ImpactRule } from './types.js';

interface RetiredProperty {
  readonly matches: (name: string) => boolean;
  readonly appliesFrom: string;
  readonly why: string;
  readonly replacement?: string;
}

// Properties that go away even where no kong.conf.default can be compared (Enterprise-only
// ones, or a plan without the target's file). Facts: upgrade-paths-helm-operator-deck.md §1.6
// (2.8 → 3.4 kong.conf table) and §1.9, changelog-and-admin-api.md §A.4. For the two
// data-plane cache settings the table records only "gone by 3.4", so 3.4.0 is used.
const RETIRED: readonly RetiredProperty[] = [
  { matches: (name) => name.startsWith('cassandra_'), appliesFrom: '3.4.0', why: 'Cassandra support ends in 3.4.0' },
  {
    matches: (name) => name === 'data_plane_config_cache_mode' || name === 'data_plane_config_cache_path',
    appliesFrom: '3.4.0',
    why: 'data planes keep their config in LMDB instead',
  },
  {
    matches: (name) => name === 'admin_api_uri',
    appliesFrom: '3.4.0',
    why: 'deprecated in favour of a new property',
    replacement: 'admin_gui_api_url',
  },
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
          title: `kong.conf sets \`${name}\`, which the target no longer has`,
          detail: `${describeSetting(name, setting)}: ${why}.`,
          where: `${conf.file}:${setting.line}`,
          remedy: retired?.replacement
            ? `Move the value to \`${retired.replacement}\` and remove \`${name}\`.`
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
