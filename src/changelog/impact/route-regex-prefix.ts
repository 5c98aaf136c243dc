import { crosses } from './crossing.js';
import { REGEX_PREFIX, isRegexLike } from './route-paths.js';
import type { Impact, ImpactRule, RouteRef } from './types.js';

/**
 * 2.x → 3.x: 3.x treats a path as a regex only when it starts with `~`. The database migration
 * adds the prefix to stored routes, but a declarative file is loaded or synced as written, so a
 * 2.x regex path in it silently becomes a plain prefix match (facts:
 * upgrade-paths-helm-operator-deck.md §5.3, §6 item 1; Kong/kong#10279, Kong/deck#746).
 */
export const routeRegexPrefix: ImpactRule = {
  id: 'route-regex-prefix',
  check(context) {
    if (!crosses(context, '3.0.0')) return [];
    return context.entities.flatMap((set) => {
      if (set.source !== 'declarative') return [];
      // A file already in the 3.0 format means its author chose plain paths; decK only warns then.
      const severity = set.formatVersion !== undefined && Number(set.formatVersion) >= 3 ? 'warning' : 'error';
      return set.routes.flatMap((route) =>
        route.paths.filter(({ path }) => isRegexLike(path)).map(({ path, where }): Impact => ({
          rule: 'route-regex-prefix',
          severity,
          title: `Regex-looking route path without "${REGEX_PREFIX}" prefix`,
          detail: `${route.where}: path "${path}" will be matched as plain text on 3.x.`,
          where,
          remedy: remedyFor(route),
        })),
      );
    });
  },
};

// decK's 2.x → 3.x convert visits only routes nested under services (facts §5.3, from reading
// its code, UNVERIFIED at runtime), so a top-level route may need the prefix by hand.
function remedyFor(route: RouteRef): string {
  return route.placement === 'under-service'
    ? `Run \`deck file convert --from kong-gateway-2.x --to kong-gateway-3.x\` and review it, or prefix the path with "${REGEX_PREFIX}" by hand.`
    : `Prefix the path with "${REGEX_PREFIX}" by hand if it is a regex: decK's 2.x → 3.x convert may skip top-level routes.`;
}
