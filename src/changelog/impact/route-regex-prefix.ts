import { crosses } from './crossing.js';
import { consumerLabel, isFormat3, convertRemedy } from './declarative-consumer.js';
import { REGEX_PREFIX, isRegexLike, kongMigratedRegex } from './route-paths.js';
import type { DeclarativeConsumer, EntitySet, Impact, ImpactContext, ImpactRule, RouteRef } from './types.js';

/**
 * 2.x → 3.x: 3.x treats a path as a regex only when it starts with `~`. What happens to a 2.x
 * regex path depends on who reads it (facts declarative-consumers.md):
 * - the Admin API: the database migration already prefixed stored routes; nothing to do;
 * - Kong DB-less, file in format 1.1/2.1: Kong converts on load, prefixing the path with its
 *   own heuristic: reported as what it becomes, so the file can be converted to agree;
 * - decK, file in format 1.1/2.1: the whole file is refused (rule declarative-format-version);
 *   its converter may skip top-level routes (facts upgrade-paths-helm-operator-deck.md §5.3);
 * - any consumer, file already in format 3.0: the path is matched as plain text.
 */
export const routeRegexPrefix: ImpactRule = {
  id: 'route-regex-prefix',
  check(context) {
    if (!crosses(context, '3.0.0')) return [];
    return context.entities.flatMap((set) => {
      if (set.source === 'admin-api') return [];
      if (set.source === 'kic') return set.routes.flatMap((route) => regexPaths(route).map(({ path, where }) => ingressFinding(route, path, where)));
      if (isFormat3(set.formatVersion)) {
        return set.routes.flatMap((route) => regexPaths(route).map(({ path, where }) => plainTextFinding(route, path, where)));
      }
      return context.declarativeConsumers.flatMap((consumer) => oldFormatFindings(context, set, consumer));
    });
  },
};

function regexPaths(route: RouteRef) {
  return route.paths.filter(({ path }) => isRegexLike(path));
}

function oldFormatFindings(context: ImpactContext, set: EntitySet, consumer: DeclarativeConsumer): Impact[] {
  const label = consumerLabel(context, consumer);
  return set.routes.flatMap((route) =>
    regexPaths(route).flatMap(({ path, where }): Impact[] => {
      if (consumer === 'db-less') {
        return [
          {
            rule: 'route-regex-prefix',
            severity: 'warning',
            title: `Regex path loaded as "${kongMigratedRegex(path)}" by Kong 3.x${label}`,
            detail: `${route.where}: path "${path}" in a ${set.formatVersion ?? 'version-less'} file; Kong DB-less converts the file on load and matches this path as the regex "${kongMigratedRegex(path)}". The file and a \`deck gateway dump\` of the new cluster then disagree.`,
            where,
            remedy: `Convert the file once (${convertRemedy(context, set.file)}) and keep the converted copy, so the file says what Kong runs.`,
          },
        ];
      }
      // decK refuses the file until converted; only a path its converter may skip needs more.
      if (route.placement !== 'top-level') return [];
      return [
        {
          rule: 'route-regex-prefix',
          severity: 'warning',
          title: `Top-level route's regex path may stay unprefixed after \`deck file convert\`${label}`,
          detail: `${route.where}: path "${path}". decK's 2.x → 3.x convert prefixes the paths of routes nested under services; this route is listed at the top level, and a path left without "${REGEX_PREFIX}" is plain text on 3.x.`,
          where,
          remedy: `After converting, check the path starts with "${REGEX_PREFIX}" (prefix it by hand if not), then \`deck gateway diff\` against the new cluster.`,
        },
      ];
    }),
  );
}

function plainTextFinding(route: RouteRef, path: string, where: string): Impact {
  return {
    rule: 'route-regex-prefix',
    severity: 'warning',
    title: `Regex-looking route path without "${REGEX_PREFIX}" in a 3.0-format file`,
    detail: `${route.where}: path "${path}" is matched as plain text on 3.x: the file is already in format 3.0, so neither Kong nor decK converts it.`,
    where,
    remedy: `Prefix the path with "${REGEX_PREFIX}" if it is meant as a regex.`,
  };
}

/**
 * A regex-looking Ingress path the controller hands Kong as it is: plain text on 3.x, unless
 * written with the controller's `/~` marker (KIC 2.7.0+, or the Ingress's
 * `konghq.com/regex-prefix`) or the class's IngressClassParameters turn on the 2.x heuristic
 * (`enableLegacyRegexDetection`, KIC 2.6.0+: "the heuristic has known flaws that will not be
 * fixed", Kong/kubernetes-ingress-controller CHANGELOG.md 2.6.0).
 */
function ingressFinding(route: RouteRef, path: string, where: string): Impact {
  const rewrite = `/~${path}`;
  if (route.legacyRegexDetection !== undefined) {
    return {
      rule: 'route-regex-prefix',
      severity: 'warning',
      title: 'Ingress regex path relies on the controller\'s legacy regex heuristic',
      detail: `${route.where}: path "${path}". Kong 3.x reads a path as a regex only with "${REGEX_PREFIX}"; the controller adds it to this path because ${route.legacyRegexDetection} sets enableLegacyRegexDetection, Kong Ingress Controller's 2.x heuristic, which it says has known flaws that will not be fixed.`,
      where,
      remedy: `Write the path as "${rewrite}" (the controller turns "/~" into Kong's "${REGEX_PREFIX}"), then turn enableLegacyRegexDetection off.`,
    };
  }
  return {
    rule: 'route-regex-prefix',
    severity: 'warning',
    title: 'Ingress path looks like a regex: Kong 3.x matches it as plain text',
    detail: `${route.where}: path "${path}". Kong 3.x reads a path as a regex only with "${REGEX_PREFIX}", and Kong Ingress Controller passes this path on as it is; Kong's Helm chart (UPGRADE.md, 2.13.0) says Kong 3.0 needs KIC 2.6 or later and that its regex path changes "require changes to Ingresses".`,
    where,
    remedy: `Write the path as "${rewrite}" (KIC 2.7+ turns "/~" into Kong's "${REGEX_PREFIX}"; the annotation konghq.com/regex-prefix changes that marker), or for the time of the upgrade set enableLegacyRegexDetection: true on the IngressClassParameters of the Ingress's class (KIC 2.6+), then rewrite the path and turn it off.`,
  };
}
