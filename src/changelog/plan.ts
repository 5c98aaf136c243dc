import { inputError } from '../lib/errors.js';
import { readServerVersion } from '../database/postgres/server-version.js';
import { createAdminClient, type AdminClient } from '../kong/admin-api.js';
import { runningVersion } from '../kong/admin-root.js';
import { catalogLine, postgresSupport, resolveVersion } from '../version/catalog.js';
import { compareKongVersions, releaseLine, parseKongVersion, formatKongVersion, type Edition, type KongVersion } from '../version/kong-version.js';
import { adviseStrategies } from '../version/strategies.js';
import { planUpgradePath, type UpgradeHop } from '../version/upgrade-path.js';
import { crossedBreakingChanges } from './impact/curated-breaking.js';
import { loadChangelog, releasesInRange } from './plan-changelog.js';
import { gatherImpacts } from './plan-impacts.js';
import { loadKongConfChanges } from './plan-kong-conf.js';
import type { PlanRequest } from './plan-request.js';
import {
  PLAN_SCHEMA,
  type PlanDatabaseSupport,
  type PlanHop,
  type PlanSource,
  type UpgradePlan,
} from './plan-types.js';
import { createGithubReader, isUnreachable, type FileReader } from './sources/github.js';
import { readCached } from './sources/cache.js';
import { ENTRY_KINDS, type EntryKind, type Release } from './types.js';

export interface PlanDependencies {
  /** Progress lines (core.info in an action, stderr at a terminal). */
  readonly log: (line: string) => void;
  readonly now?: () => Date;
}

/** The built-in catalog and notes were derived from Kong's data files of this date (shared/kong-data/README.md). */
export const BUILT_IN_DATA_DATE = '2026-08-21';

/**
 * Plans A → B: versions, hops, strategies, the changelog between, kong.conf and database
 * changes, and what of it hits this deployment. Works offline from built-in data; online it
 * reads Kong's living files and falls back to offline (saying so) when GitHub is unreachable.
 */
export async function buildPlan(request: PlanRequest, deps: PlanDependencies): Promise<UpgradePlan> {
  const now = deps.now?.() ?? new Date();
  const admin = request.admin === undefined ? undefined : createAdminClient(request.admin);
  const fromText = request.from ?? (await readRunningVersion(admin!, deps.log));
  const edition = decideEdition(request.edition, fromText, request.to);
  const from = parseKongVersion(fromText, 'from');
  if (catalogLine(releaseLine(from)) === undefined) {
    throw inputError(request.from === undefined ? 'admin-url' : 'from', `"${fromText}" is not a known Kong release line (${releaseLine(from)})`);
  }
  const to = resolveVersion(request.to, edition, 'to');
  const hops = planUpgradePath(from, to, { edition, deployment: request.deployment, database: request.database });
  deps.log(`Path: ${[from, ...hops.map((hop) => hop.to)].map(formatKongVersion).join(' → ')}`);

  const online = await loadOnline(request, edition, from, to, now, deps.log);
  const releases = releasesInRange(from, to, edition, online.changelog.releases);
  const kongConf = await loadKongConfChanges(from, to, online.read, now);
  const impacts = await gatherImpacts({ request, from, to, admin, kongConf: kongConf.defaults, read: online.read, log: deps.log, readServerVersion });
  const advice = adviseStrategies(hops, request.deployment);
  const primary = advice[0]!;

  return {
    schema: PLAN_SCHEMA,
    generatedAt: now.toISOString(),
    from: formatKongVersion(from),
    to: formatKongVersion(to),
    edition,
    deployment: request.deployment,
    hops: hops.map((hop) => toPlanHop(hop, request.deployment)),
    requiresFinish: hops.some((hop) => hop.facts.requiresFinish),
    strategy: {
      recommended: primary.recommended,
      reason: advice.length > 1 ? `${primary.group}: ${primary.reason}; ${advice.slice(1).map((a) => `${a.group}: ${a.recommended} (${a.reason})`).join('; ')}` : primary.reason,
      options: primary.strategies,
    },
    source: {
      ...online.source,
      files: [...online.changelog.files, ...kongConf.files, ...impacts.files, builtInFile(now)],
      entriesAvailable: online.changelog.releases !== undefined,
    },
    releases,
    counts: countEntries(releases),
    notes: crossedBreakingChanges(from, to).map((change) => ({
      id: change.id,
      version: change.appliesFrom,
      title: change.title,
      summary: change.summary,
      detectedBy: change.detectedBy,
    })),
    database: databaseChanges(from, to, request.database),
    kongConf: kongConf.changes,
    impacts: impacts.found,
    inspected: impacts.inspected,
  };
}

/** `auto`: Enterprise when either version has Kong Enterprise's fourth number. */
function decideEdition(asked: PlanRequest['edition'], from: string, to: string): Edition {
  if (asked !== 'auto') return asked;
  return [from, to].some((text) => /^v?\d+\.\d+\.\d+\.\d+/.test(text.trim())) ? 'enterprise' : 'oss';
}

async function readRunningVersion(admin: AdminClient, log: (line: string) => void): Promise<string> {
  const version = await runningVersion(admin);
  log(`The running Kong reports version ${version}`);
  return version;
}

interface OnlineData {
  readonly read: FileReader | undefined;
  readonly changelog: Awaited<ReturnType<typeof loadChangelog>>;
  readonly source: Omit<PlanSource, 'files' | 'entriesAvailable'>;
}

/**
 * Online: read through GitHub (revalidating the cache). Offline: read the cache alone. A
 * network failure turns an online plan into an offline one, said in the plan's source.
 */
async function loadOnline(
  request: PlanRequest,
  edition: Edition,
  from: KongVersion,
  to: KongVersion,
  now: Date,
  log: (line: string) => void,
): Promise<OnlineData> {
  const offlineRead = cacheOnlyReader(request.cacheDir);
  if (request.offline) {
    const changelog = await loadOfflineChangelog(edition, request, offlineRead, now);
    return { read: offlineRead, changelog, source: { mode: 'offline', reason: 'offline was asked for' } };
  }
  const read = createGithubReader({ token: request.github.token, baseUrl: request.github.apiUrl, cacheDir: request.cacheDir, timeoutMs: 15_000 });
  try {
    if (request.changelogFile === undefined) log(`Reading Kong's ${edition === 'enterprise' ? 'Enterprise' : 'OSS'} changelog from GitHub`);
    const changelog = await loadChangelog(edition, request.changelogFile, read, now);
    return { read, changelog, source: { mode: 'online', reason: 'read from GitHub' } };
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    log(`GitHub is unreachable (${(error as Error).message}); planning offline from built-in data${request.cacheDir === undefined ? '' : ' and the cache'}`);
    const changelog = await loadOfflineChangelog(edition, request, offlineRead, now);
    return { read: offlineRead, changelog, source: { mode: 'offline', reason: 'GitHub was unreachable' } };
  }
}

/** The cache when it holds the changelog, else none (a given file is read either way). */
function loadOfflineChangelog(edition: Edition, request: PlanRequest, read: FileReader | undefined, now: Date) {
  return loadChangelog(edition, request.changelogFile, read, now).catch(() => loadChangelog(edition, request.changelogFile, undefined, now));
}

function cacheOnlyReader(cacheDir: string | undefined): FileReader | undefined {
  if (cacheDir === undefined) return undefined;
  return async (file) => {
    const cached = await readCached(cacheDir, file);
    if (cached === undefined) throw new Error(`not in the cache: ${file.path}`);
    return cached;
  };
}

function builtInFile(now: Date) {
  return {
    what: 'catalog, upgrade rules, breaking-change notes',
    location: 'built-in',
    url: undefined,
    via: 'built-in' as const,
    fetchedAt: undefined,
    ageDays: Math.floor((now.getTime() - Date.parse(BUILT_IN_DATA_DATE)) / 86_400_000),
  };
}

const LTS_314_PREFLIGHT = parseKongVersion('3.10.0.11');
const CONSUMER_GROUP_SCOPING = parseKongVersion('3.4.0');

function toPlanHop(hop: UpgradeHop, deployment: PlanRequest['deployment']): PlanHop {
  const schema = hop.facts.schema;
  const notes = hop.facts.breaking.map((marker) =>
    marker.kind === 'major-version' ? `major upgrade ${marker.from}.x → ${marker.to}.x` : `LTS jump ${marker.from} → ${marker.to}`,
  );
  if (schema.kind === 'migrations' && schema.coverage === 'partial') {
    notes.push('Kong may add teardown migrations the built-in facts do not list (Enterprise, or past 3.9.3): treat finish as having work');
  }
  // kong-facts upgrade-paths-helm-operator-deck.md §1.6: the 3.10 → 3.14 guide's optional preflight.
  if (releaseLine(hop.from) === '3.10' && releaseLine(hop.to) === '3.14') {
    notes.push(
      `preflight: on ${formatKongVersion(LTS_314_PREFLIGHT)} or later, \`kong check --lts-314-compatibility <kong.conf>\` reports what 3.14's secure-by-default changes affect`,
    );
  }
  // §1.1 special cases: a 3.4+ control plane with ≤ 3.3 data planes is unsupported when plugins
  // are scoped to consumer groups, and hybrid mode upgrades control planes first.
  if (deployment === 'hybrid' && compareKongVersions(hop.from, CONSUMER_GROUP_SCOPING) < 0 && compareKongVersions(hop.to, CONSUMER_GROUP_SCOPING) >= 0) {
    notes.push('hybrid: until the data planes reach 3.4 too, do not use plugins scoped to consumer groups (a 3.4+ control plane with ≤ 3.3 data planes does not support them)');
  }
  return {
    from: formatKongVersion(hop.from),
    to: formatKongVersion(hop.to),
    rule: hop.rule,
    reason: hop.reason,
    teardownMigrations: schema.kind === 'migrations' ? schema.teardown.map((m) => `${m.subsystem}:${m.name}`) : [],
    requiresFinish: hop.facts.requiresFinish,
    oldNodesAfterUp: schema.kind === 'migrations' ? schema.oldNodesAfterUp : true,
    oldNodesAfterFinish: schema.kind === 'migrations' ? schema.oldNodesAfterFinish : true,
    deckConvert: hop.facts.deckConvert?.command,
    notes,
  };
}

function countEntries(releases: readonly Release[]): Record<EntryKind, number> {
  const counts = Object.fromEntries(ENTRY_KINDS.map((kind) => [kind, 0])) as Record<EntryKind, number>;
  for (const release of releases) for (const entry of release.entries) counts[entry.kind] += 1;
  return counts;
}

function supportOf(version: KongVersion): PlanDatabaseSupport {
  const line = releaseLine(version);
  const postgres = postgresSupport(line);
  return {
    line,
    postgres: { tested: postgres?.tested ?? [], minimum: postgres?.minimum },
    cassandra: catalogLine(line)?.cassandra ?? false,
  };
}

function databaseChanges(from: KongVersion, to: KongVersion, database: PlanRequest['database']): UpgradePlan['database'] {
  const a = supportOf(from);
  const b = supportOf(to);
  const changes: string[] = [];
  const dropped = a.postgres.tested.filter((v) => !b.postgres.tested.includes(v));
  const added = b.postgres.tested.filter((v) => !a.postgres.tested.includes(v));
  if (dropped.length > 0) changes.push(`PostgreSQL ${dropped.join(', ')} no longer tested with ${b.line}: upgrade such a server before (or with) Kong`);
  if (added.length > 0) changes.push(`PostgreSQL ${added.join(', ')} newly tested with ${b.line}`);
  if (a.cassandra && !b.cassandra) {
    changes.push(`Cassandra is not supported from 3.4${database === 'cassandra' ? ': this deployment must move to PostgreSQL before crossing 3.3' : ''}`);
  }
  return { from: a, to: b, changes };
}
