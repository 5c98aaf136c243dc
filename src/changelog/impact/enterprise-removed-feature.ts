import { describeSetting } from '../kong-conf.js';
import { editionOf } from '../../version/kong-version.js';
import { crosses } from './crossing.js';
import { settingWhere } from './kong-conf-where.js';
import type { Impact, ImpactRule } from './types.js';

// Kong Enterprise 3.5.0.0's changelog (developer.konghq.com app/_data/changelogs/gateway.json,
// kong-ee, deprecation): "Removed support for Developer Portal and Vitals, which were deprecated
// in Kong 3.4." A deployment shows it uses them by their kong.conf settings (`portal*`,
// `vitals*`, also as KONG_* variables) or by `portal`/`vitals` in the Admin API's configuration.
const FEATURES: readonly { readonly name: string; readonly prefix: RegExp; readonly title: string }[] = [
  { name: 'portal', prefix: /^portal(_|$)/, title: 'Dev Portal' },
  { name: 'vitals', prefix: /^vitals(_|$)/, title: 'Vitals' },
];

const ON = new Set(['on', 'true', '1', 'yes']);

export const enterpriseRemovedFeature: ImpactRule = {
  id: 'enterprise-removed-feature',
  check(context) {
    if (editionOf(context.to) !== 'enterprise' || !crosses(context, '3.5.0.0')) return [];
    const found: Impact[] = [];
    for (const feature of FEATURES) {
      const conf = context.kongConf;
      for (const [name, setting] of conf ? [...conf.settings].filter(([key]) => feature.prefix.test(key)) : []) {
        const enabled = name === feature.name && ON.has(setting.value.toLowerCase());
        if (name === feature.name && !enabled) continue;
        found.push({
          rule: 'enterprise-removed-feature',
          severity: enabled ? 'error' : 'warning',
          title: enabled ? `${feature.title} is enabled and Kong Enterprise 3.5 removed it` : `\`${name}\` belongs to ${feature.title}, which Kong Enterprise 3.5 removed`,
          detail: `${describeSetting(name, setting)}: Kong Enterprise 3.5.0.0 removed ${feature.title} (deprecated in 3.4); the setting is no longer read.`,
          where: settingWhere(conf!, setting),
          remedy: enabled
            ? `Plan a replacement for ${feature.title} before crossing 3.5 (stay on 3.4 LTS until then), and remove its settings.`
            : `Remove \`${name}\` (and its KONG_${name.toUpperCase()} variable) once on the target.`,
        });
      }
      if (context.adminConfiguration?.[feature.name] === true) {
        found.push({
          rule: 'enterprise-removed-feature',
          severity: 'error',
          title: `${feature.title} is enabled on the running cluster and Kong Enterprise 3.5 removed it`,
          detail: `GET / reports \`${feature.name}: true\` in its configuration; Kong Enterprise 3.5.0.0 removed ${feature.title} (deprecated in 3.4).`,
          where: 'admin-api',
          remedy: `Plan a replacement for ${feature.title} before crossing 3.5 (stay on 3.4 LTS until then).`,
        });
      }
    }
    return found;
  },
};
