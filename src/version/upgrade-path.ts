import type { DatabaseKind, Deployment, StrategyName } from './deployment.js';
import { inputError } from '../lib/errors.js';
import { allLines, catalogLine, latestVersion, notReleased, supportsCassandra, versionExists, type CatalogLine } from './catalog.js';
import {
  compareKongVersions,
  editionOf,
  formatKongVersion,
  parseKongVersion,
  releaseLine,
  sameLine,
  type Edition,
  type KongVersion,
} from './kong-version.js';
import { TEARDOWN_FACTS_END, teardownsBetween, type TeardownMigration } from './teardown-migrations.js';

/**
 * The upgrade planner: the shortest chain of hops Kong guarantees, each with the rule that
 * allows it. Rules: Kong's upgrade guide (Kong/developer.konghq.com app/gateway/upgrade/
 * reference.md: guaranteed paths, the 2.x/1.x/pre-1.0 waypoints and special cases; the
 * lts-upgrade-*.md guides: LTS pairs), and Cassandra's removal in 3.4.0 (Kong/kong#10931).
 */

export type PathRule =
  /** Between patch releases of one line. */
  | 'patch'
  /** Between adjacent minors of one major. */
  | 'adjacent-minor'
  /** Between adjacent LTS lines: 2.8 → 3.4 → 3.10 → 3.14. */
  | 'lts-to-lts'
  /** Any 2.1.x or later straight to 2.8.x (2.8 Enterprise upgrade guide). */
  | 'to-2.8'
  /** 2.x → 3.0: 3.0 migrates from 2.1+, but 2.x is routed through 2.8 (the upgrade guide's reference.md advice). */
  | 'major-2-to-3'
  /** 1.x → 2.1.x first (the current upgrade reference page). */
  | 'from-1.x-to-2.1'
  /** Pre-1.0 → 1.5.0 first (Kong's bootstrap check, kong/cmd/utils/migrations.lua). */
  | 'pre-1.0-to-1.5.0'
  /** Hybrid 3.1.0.0/3.1.1.1 → 3.1.1.2 first: the CP/DP protocol changed. */
  | 'hybrid-3.1.1.2-first'
  /** Blue-green towards 3.x needs 2.8.2 or later (Kong/developer.konghq.com app/gateway/upgrade/blue-green.md). */
  | 'blue-green-needs-2.8.2';

export interface PlanOptions {
  readonly edition: Edition;
  readonly deployment: Deployment;
  /** For traditional and hybrid; ignored for db-less, which has no database. Default postgres. */
  readonly database?: DatabaseKind;
  /** Only 'blue-green' changes the path (it needs 2.8.2+ before 3.x). */
  readonly strategy?: StrategyName;
}

export interface UpgradeHop {
  readonly from: KongVersion;
  readonly to: KongVersion;
  readonly rule: PathRule;
  readonly reason: string;
  readonly facts: HopFacts;
}

export interface HopFacts {
  readonly schema: SchemaChange;
  /** Whether `kong migrations finish` has work after `up`. */
  readonly requiresFinish: boolean;
  /** For declarative files and decK dumps crossing 2→3 or an LTS pair. */
  readonly deckConvert: DeckConvert | undefined;
  readonly breaking: readonly BreakingMarker[];
}

export type SchemaChange =
  | { readonly kind: 'no-database' }
  | {
      readonly kind: 'migrations';
      readonly teardown: readonly TeardownMigration[];
      /**
       * 'partial' when Kong may ship teardowns teardown-migrations.ts does not list: Enterprise
       * adds its own migrations, and the list ends at OSS 3.9.3. `finish` is then treated as having work.
       */
      readonly coverage: 'complete' | 'partial';
      /** `up` leaves the schema usable by the old version until `finish` (app/gateway/upgrade/blue-green.md). */
      readonly oldNodesAfterUp: true;
      /** False once teardowns ran: old nodes can no longer use the database. */
      readonly oldNodesAfterFinish: boolean;
    };

export interface DeckConvert {
  readonly from: string;
  readonly to: string;
  /** decK release that added the conversion (the LTS upgrade guide's how-to), where known. */
  readonly minimumDeck: string | undefined;
  readonly command: string;
}

export type BreakingMarker =
  | { readonly kind: 'major-version'; readonly from: number; readonly to: number }
  | { readonly kind: 'lts-jump'; readonly from: string; readonly to: string };

// decK `file convert` pairs: Kong/deck convert/convert.go; the decK versions from the LTS
// upgrade guides (Kong/developer.konghq.com app/_how-tos/gateway/convert-gateway-lts-*.md).
const LTS_PAIRS: Readonly<Record<string, { to: string; minimumDeck: string }>> = {
  '2.8': { to: '3.4', minimumDeck: '1.47.0' },
  '3.4': { to: '3.10', minimumDeck: '1.51.0' },
  '3.10': { to: '3.14', minimumDeck: '1.57.3' },
};

const HYBRID_PROTOCOL_TRAP = ['3.1.0.0', '3.1.1.1'];
const HYBRID_PROTOCOL_FIX = parseKongVersion('3.1.1.2');
const BLUE_GREEN_MINIMUM = parseKongVersion('2.8.2');
const PRE_1_WAYPOINT = parseKongVersion('1.5.0');

interface Edge {
  readonly to: string;
  readonly rule: PathRule;
  readonly reason: string;
  /** A fixed stop instead of the latest release of the line. */
  readonly pinned?: KongVersion;
}

export function planUpgradePath(from: KongVersion, to: KongVersion, options: PlanOptions): readonly UpgradeHop[] {
  validate(from, to, options);
  const hops: UpgradeHop[] = [];
  let at = from;
  const first = requiredFirstHop(at, to, options);
  if (first) {
    hops.push(makeHop(at, first.to, first.rule, first.reason, options));
    at = first.to;
  }
  if (sameLine(at, to)) {
    if (compareKongVersions(at, to) < 0) {
      hops.push(makeHop(at, to, 'patch', `patch releases of the ${releaseLine(to)} line`, options));
    }
    return hops;
  }
  for (const edge of shortestRoute(releaseLine(at), releaseLine(to))) {
    const stop = edge.to === releaseLine(to) ? to : (edge.pinned ?? waypoint(edge.to, options.edition));
    hops.push(makeHop(at, stop, edge.rule, edge.reason, options));
    at = stop;
  }
  return hops;
}

function validate(from: KongVersion, to: KongVersion, options: PlanOptions): void {
  const name = options.edition === 'oss' ? 'OSS' : 'Enterprise';
  if (editionOf(to) !== options.edition) {
    const form = options.edition === 'oss' ? 'three numbers (3.4.2)' : 'four numbers (3.4.3.29)';
    throw inputError('to', `"${formatKongVersion(to)}" is not an ${name} version; with edition ${options.edition} it needs ${form}`);
  }
  if (options.edition === 'oss' && editionOf(from) === 'enterprise') {
    throw inputError('from', `"${formatKongVersion(from)}" is an Enterprise version; an Enterprise to OSS move is not an upgrade this planner supports; use edition enterprise`);
  }
  // OSS → Enterprise: OSS x.y.z is the same code line as Enterprise x.y.z.0, and
  // compareKongVersions orders them so.
  const order = compareKongVersions(from, to);
  if (order === 0) throw inputError('to', `is the version already running (${formatKongVersion(from)}); nothing to upgrade`);
  if (order > 0) {
    throw inputError('to', `${formatKongVersion(to)} is older than ${formatKongVersion(from)}: downgrades are not supported (migrations are not reversible); restore the pre-upgrade backup instead`);
  }
  if (!versionExists(to)) throw inputError('to', notReleased(to, options.edition));
  // The running version is taken as given (Kong's data misses a few Enterprise builds, e.g.
  // 3.1.1.1), but its line must be one Kong released.
  if (catalogLine(releaseLine(from)) === undefined) {
    throw inputError('from', `${formatKongVersion(from)} is not in any Kong release line; lines: ${allLines()[0]?.line} … ${allLines().at(-1)?.line}`);
  }
  if (options.deployment !== 'db-less' && options.database === 'cassandra') {
    if (!supportsCassandra(from)) {
      throw inputError('database', `Kong ${formatKongVersion(from)} cannot run on Cassandra (support was removed in 3.4.0); accepted: postgres`);
    }
    if (!supportsCassandra(to)) {
      const last = latestVersion('3.3', options.edition);
      const reachable = last === undefined ? '' : ` (the newest Cassandra-capable release is ${formatKongVersion(last)})`;
      throw inputError('to', `Kong removed Cassandra support in 3.4.0, so a Cassandra deployment cannot upgrade to ${formatKongVersion(to)}${reachable}; migrate the database to PostgreSQL first (Kong support assists), then plan again with database postgres`);
    }
  }
}

/** Special cases that pin the first stop before the normal route (the upgrade guide's reference.md). */
function requiredFirstHop(
  from: KongVersion,
  to: KongVersion,
  options: PlanOptions,
): { to: KongVersion; rule: PathRule; reason: string } | undefined {
  const formatted = formatKongVersion(from);
  if (options.deployment === 'hybrid' && HYBRID_PROTOCOL_TRAP.includes(formatted) && compareKongVersions(to, HYBRID_PROTOCOL_FIX) > 0) {
    return {
      to: HYBRID_PROTOCOL_FIX,
      rule: 'hybrid-3.1.1.2-first',
      reason: `hybrid ${formatted} speaks only the new CP/DP protocol; 3.1.1.2 speaks both, so stop there first`,
    };
  }
  if (
    options.strategy === 'blue-green' &&
    releaseLine(from) === '2.8' &&
    compareKongVersions(from, BLUE_GREEN_MINIMUM) < 0 &&
    to.major >= 3
  ) {
    return {
      to: waypoint('2.8', options.edition),
      rule: 'blue-green-needs-2.8.2',
      reason: 'blue-green towards 3.x needs 2.8.2 or later on the old cluster',
    };
  }
  return undefined;
}

/** The latest release of a waypoint line in the edition (Kong: stop at the latest patch). */
function waypoint(line: string, edition: Edition): KongVersion {
  const version = latestVersion(line, edition);
  if (version === undefined) {
    const name = edition === 'oss' ? 'OSS' : 'Enterprise';
    throw inputError('to', `the path passes through ${line}, but the built-in catalog has no ${name} ${line} release to stop at (Enterprise data starts at 2.8); upgrade to ${line} by hand first, then plan again`);
  }
  return version;
}

/** Kong's guaranteed paths from one line, all towards newer lines. */
function edgesFrom(line: CatalogLine): Edge[] {
  const edges: Edge[] = [];
  const next = allLines().find((l) => l.major === line.major && l.minor > line.minor);
  if (next) edges.push({ to: next.line, rule: 'adjacent-minor', reason: `adjacent minor releases ${line.line} → ${next.line}` });
  const lts = LTS_PAIRS[line.line];
  if (lts) edges.push({ to: lts.to, rule: 'lts-to-lts', reason: `adjacent LTS releases ${line.line} → ${lts.to}` });
  if (line.major === 2 && line.minor >= 1 && line.minor < 8) {
    edges.push({ to: '2.8', rule: 'to-2.8', reason: `any 2.1.x or later upgrades directly to 2.8.x` });
  }
  if (line.line === '2.8') {
    edges.push({ to: '3.0', rule: 'major-2-to-3', reason: '3.0 migrates from 2.x; 2.8 is the waypoint for every 2.x' });
  }
  if (line.major === 1) {
    edges.push({ to: '2.1', rule: 'from-1.x-to-2.1', reason: '1.x upgrades to 2.1 first, then on to 2.8 and 3.x' });
  }
  if (line.major === 0) {
    edges.push({ to: '1.5', rule: 'pre-1.0-to-1.5.0', reason: 'a database older than 1.0 migrates to 1.5.0 first', pinned: PRE_1_WAYPOINT });
  }
  return edges;
}

interface Route {
  readonly edges: readonly Edge[];
  readonly nonLts: number;
}

/**
 * Fewest hops, then most LTS hops. Every edge goes to a newer line, so visiting lines in
 * ascending order settles each line before it is extended.
 */
function shortestRoute(fromLine: string, toLine: string): readonly Edge[] {
  const best = new Map<string, Route>([[fromLine, { edges: [], nonLts: 0 }]]);
  for (const line of allLines()) {
    const route = best.get(line.line);
    if (route === undefined || line.line === toLine) continue;
    for (const edge of edgesFrom(line)) {
      const candidate = { edges: [...route.edges, edge], nonLts: route.nonLts + (edge.rule === 'lts-to-lts' ? 0 : 1) };
      const current = best.get(edge.to);
      if (current === undefined || better(candidate, current)) best.set(edge.to, candidate);
    }
  }
  const route = best.get(toLine);
  if (route === undefined) {
    throw inputError('to', `Kong documents no upgrade path from ${fromLine} to ${toLine}; accepted targets are newer lines reachable by patch, adjacent-minor or LTS-to-LTS steps`);
  }
  return route.edges;
}

function better(a: Route, b: Route): boolean {
  return a.edges.length < b.edges.length || (a.edges.length === b.edges.length && a.nonLts < b.nonLts);
}

function makeHop(from: KongVersion, to: KongVersion, rule: PathRule, reason: string, options: PlanOptions): UpgradeHop {
  const edition = editionOf(from) !== editionOf(to) ? ` (OSS ${formatKongVersion(from)} taken as Enterprise ${formatKongVersion(from)}.0)` : '';
  const schema = schemaChange(from, to, options);
  return {
    from,
    to,
    rule,
    reason: reason + edition,
    facts: {
      schema,
      requiresFinish: schema.kind === 'migrations' && (schema.teardown.length > 0 || schema.coverage === 'partial'),
      deckConvert: deckConvert(from, to, rule),
      breaking: breakingMarkers(from, to, rule),
    },
  };
}

function schemaChange(from: KongVersion, to: KongVersion, options: PlanOptions): SchemaChange {
  if (options.deployment === 'db-less') return { kind: 'no-database' };
  const teardown = teardownsBetween(from, to);
  const complete = options.edition === 'oss' && compareKongVersions(to, TEARDOWN_FACTS_END) <= 0;
  return {
    kind: 'migrations',
    teardown,
    coverage: complete ? 'complete' : 'partial',
    oldNodesAfterUp: true,
    oldNodesAfterFinish: complete && teardown.length === 0,
  };
}

function deckConvert(from: KongVersion, to: KongVersion, rule: PathRule): DeckConvert | undefined {
  const pair = LTS_PAIRS[releaseLine(from)];
  if (rule === 'lts-to-lts' && pair) {
    const source = releaseLine(from);
    return { from: source, to: pair.to, minimumDeck: pair.minimumDeck, command: `deck file convert --from ${source} --to ${pair.to}` };
  }
  if (from.major === 2 && to.major === 3) {
    return {
      from: 'kong-gateway-2.x',
      to: 'kong-gateway-3.x',
      minimumDeck: undefined,
      command: 'deck file convert --from kong-gateway-2.x --to kong-gateway-3.x',
    };
  }
  return undefined;
}

function breakingMarkers(from: KongVersion, to: KongVersion, rule: PathRule): BreakingMarker[] {
  const markers: BreakingMarker[] = [];
  if (to.major > from.major) markers.push({ kind: 'major-version', from: from.major, to: to.major });
  if (rule === 'lts-to-lts') markers.push({ kind: 'lts-jump', from: releaseLine(from), to: releaseLine(to) });
  return markers;
}
