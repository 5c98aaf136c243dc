import type { Deployment, StrategyName } from './deployment.js';
import { compareKongVersions, formatKongVersion, parseKongVersion, sameLine } from './kong-version.js';
import type { UpgradeHop } from './upgrade-path.js';

/**
 * Which of Kong's four upgrade strategies fit a planned path, per group of nodes. Sources:
 * Kong's upgrade guide, Kong/developer.konghq.com app/gateway/upgrade/reference.md and
 * app/_includes/upgrade/flow.md (strategy per deployment mode), and in-place.md,
 * dual-cluster.md, blue-green.md, rolling.md (each strategy's steps and limits).
 */

/** Hybrid mode upgrades its control planes and data planes separately, CPs first. */
export type NodeGroup = 'nodes' | 'control-planes' | 'data-planes';

export type StrategyVerdict =
  | { readonly name: StrategyName; readonly supported: true; readonly reason: string }
  | { readonly name: StrategyName; readonly supported: false; readonly reason: string };

export interface GroupAdvice {
  readonly group: NodeGroup;
  readonly recommended: StrategyName;
  readonly reason: string;
  /** What to use when the recommendation is out of reach (no capacity for a second cluster). */
  readonly fallback: { readonly name: StrategyName; readonly reason: string } | undefined;
  /** All four strategies, each supported or not with why. */
  readonly strategies: readonly StrategyVerdict[];
}

const BLUE_GREEN_MINIMUM = parseKongVersion('2.8.2');

/** Advice per node group, in the order the groups are upgraded. */
export function adviseStrategies(hops: readonly UpgradeHop[], deployment: Deployment): readonly GroupAdvice[] {
  switch (deployment) {
    case 'traditional':
      return [databaseBacked('nodes', hops)];
    case 'hybrid':
      return [databaseBacked('control-planes', hops), withoutDatabase('data-planes')];
    case 'db-less':
      return [withoutDatabase('nodes')];
  }
}

function databaseBacked(group: NodeGroup, hops: readonly UpgradeHop[]): GroupAdvice {
  return {
    group,
    recommended: 'dual-cluster',
    reason: 'safest: a second cluster on a new database restored from the backup takes traffic gradually, with no planned downtime and the old cluster as rollback',
    fallback: { name: 'in-place', reason: 'when there is no capacity for a second cluster and database' },
    strategies: [
      {
        name: 'dual-cluster',
        supported: true,
        reason: 'new cluster and database restored from the backup; database-stored counters (Rate Limiting Advanced, Vitals) are not shared between the two',
      },
      {
        name: 'in-place',
        supported: true,
        reason: 'stops the old nodes and migrates the same database: business downtime; rollback restores the database backup',
      },
      blueGreen(hops),
      {
        name: 'rolling',
        supported: false,
        reason: 'these nodes share a database that `kong migrations` changes; rolling replacement is for nodes without one (DB-less, hybrid data planes)',
      },
    ],
  };
}

/** Blue-green on the shared database: limited support, patch upgrades only, 2.8.2+ (blue-green.md). */
function blueGreen(hops: readonly UpgradeHop[]): StrategyVerdict {
  const crossing = hops.find((hop) => !sameLine(hop.from, hop.to));
  if (crossing) {
    return {
      name: 'blue-green',
      supported: false,
      reason: `Kong supports blue-green only between patch versions and never across LTS upgrades; this plan's hop ${formatKongVersion(crossing.from)} → ${formatKongVersion(crossing.to)} is ${crossing.rule}`,
    };
  }
  const tooOld = hops.find((hop) => compareKongVersions(hop.from, BLUE_GREEN_MINIMUM) < 0);
  if (tooOld) {
    return {
      name: 'blue-green',
      supported: false,
      reason: `blue-green needs 2.8.2 or later on the old cluster; this plan starts a hop at ${formatKongVersion(tooOld.from)}`,
    };
  }
  return {
    name: 'blue-green',
    supported: true,
    reason: 'not recommended (limited support from Kong): both clusters share the database, which serves the old one until `kong migrations finish`',
  };
}

function withoutDatabase(group: 'nodes' | 'data-planes'): GroupAdvice {
  const who = group === 'data-planes' ? 'hybrid data planes' : 'DB-less nodes';
  const unsupported = (name: StrategyName): StrategyVerdict => ({
    name,
    supported: false,
    reason: `Kong supports only rolling upgrades for ${who}: there is no database to migrate`,
  });
  const order = group === 'data-planes' ? ' after the control planes (a data plane must not be newer than its control plane)' : '';
  return {
    group,
    recommended: 'rolling',
    reason: `replace ${who} one at a time${order}; no migrations run`,
    fallback: undefined,
    strategies: [
      unsupported('dual-cluster'),
      unsupported('in-place'),
      unsupported('blue-green'),
      { name: 'rolling', supported: true, reason: `new ${who} join and old ones drain, one at a time` },
    ],
  };
}
