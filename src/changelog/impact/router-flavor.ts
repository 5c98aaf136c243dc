import { crosses } from './crossing.js';
import type { ImpactRule } from './types.js';

/**
 * `router_flavor` is new in 3.0.0 with `traditional_compatible` as default (kong.conf.default
 * 3.0.0; facts changelog-and-admin-api.md §A.4): routes are matched by atc-router, whose regex
 * engine and priorities differ from 2.x (facts upgrade-paths-helm-operator-deck.md §6 item 2,
 * Kong/kong#10151). Kong's Helm chart pins `traditional` for this reason.
 */
export const routerFlavor: ImpactRule = {
  id: 'router-flavor',
  check(context) {
    const conf = context.kongConf;
    if (!conf || conf.settings.has('router_flavor') || !crosses(context, '3.0.0')) return [];
    return [
      {
        rule: 'router-flavor',
        severity: 'warning',
        title: 'Routes will be matched by the 3.x router (`router_flavor = traditional_compatible`)',
        detail: `${conf.file} does not set \`router_flavor\`; on 3.x it defaults to \`traditional_compatible\`, whose regex engine and route priorities differ from the 2.x router.`,
        where: conf.file,
        remedy:
          'Test your routes against the target in staging (see the route-regex-* findings); set `router_flavor = traditional` to keep the 2.x matcher while you migrate.',
      },
    ];
  },
};
