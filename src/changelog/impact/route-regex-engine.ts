import { crosses } from './crossing.js';
import { regexOf, unsupportedConstructs } from './route-paths.js';
import type { Impact, ImpactRule } from './types.js';

/**
 * 2.x → 3.x: the 3.x default router flavor (`traditional_compatible`) matches regex paths with
 * atc-router's Rust engine, which rejects some PCRE constructs the 2.x router accepted (facts:
 * upgrade-paths-helm-operator-deck.md §6 item 2). Applies to Admin API and declarative routes
 * alike: the database migration adds the `~` prefix but cannot rewrite the pattern.
 */
export const routeRegexEngine: ImpactRule = {
  id: 'route-regex-engine',
  check(context) {
    if (!crosses(context, '3.0.0')) return [];
    // `router_flavor = traditional` keeps the PCRE router (the workaround in Kong/kong#9495).
    const keepsPcre = context.kongConf?.settings.get('router_flavor')?.value === 'traditional';
    return context.entities.flatMap((set) =>
      set.routes.flatMap((route) =>
        route.paths.flatMap(({ path, where }): Impact[] => {
          const regex = regexOf(path);
          const constructs = regex === undefined ? [] : unsupportedConstructs(regex);
          if (constructs.length === 0) return [];
          return [
            {
              rule: 'route-regex-engine',
              severity: keepsPcre ? 'warning' : 'error',
              title: `Route path uses regex features the 3.x router cannot compile: ${constructs.join(', ')}`,
              detail:
                `${route.where}: path "${path}". From 3.0 the default router flavor compiles regex paths with ` +
                `a Rust regex engine without ${constructs.join(', ')}` +
                (keepsPcre ? '; your kong.conf keeps `router_flavor = traditional`, which still uses PCRE.' : '.'),
              where,
              remedy:
                'Rewrite the pattern without these constructs (split it into several paths or routes), ' +
                'or set `router_flavor = traditional` until it is rewritten.',
            },
          ];
        }),
      ),
    );
  },
};
