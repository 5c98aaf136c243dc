import { ADMIN_EXPORT } from '../database/export.js';
import { BACKUP_MANIFEST } from '../database/manifest.js';
import { readContract } from '../lib/json-shape.js';
import { inputError } from '../lib/errors.js';
import { table } from '../lib/markdown.js';
import { listWorkspaces, type AdminClient } from '../kong/admin-api.js';
import { ENTERPRISE_TYPES, GLOBAL_TYPES, GLOBAL_WORKSPACE, sortCounts, WORKSPACED_TYPES, type EntityCounts } from '../kong/entities.js';
import { mapLimit } from '../lib/concurrency.js';
import { fail, pass, SMOKE_REPORT, type CheckResult, type CountDifference } from './report.js';

/**
 * Entity inventory through the Admin API: counts per workspace and entity type, with the
 * backup manifest's keys (src/database/manifest.ts: workspace name → entity name → rows;
 * entities without `ws_id` under `*`), so a count taken before the upgrade (manifest or an
 * earlier smoke report) compares with one taken after, key by key.
 */

export interface InventoryOptions {
  /** undefined: the default workspace (unprefixed requests); 'all': every workspace; else that one. */
  readonly workspace: string | undefined;
  readonly enterprise: boolean;
  /** Admin API requests in flight at most. */
  readonly concurrency: number;
  readonly log?: (line: string) => void;
}

export interface Inventory {
  readonly counts: EntityCounts;
  /** Workspaces whose counts came from `/workspaces/{ws}/meta` (Enterprise). */
  readonly fromMeta: readonly string[];
  /** Admin API requests made: for the bench's requests per second. */
  readonly requests: number;
}

interface Workspace {
  readonly name: string;
  /** The path prefix: '' for the default workspace's unprefixed requests. */
  readonly prefix: string | undefined;
}

/** Counts every entity type in the workspaces in scope, at most `concurrency` requests at once. */
export async function takeInventory(client: AdminClient, options: InventoryOptions): Promise<Inventory> {
  let requests = 0;
  const workspaces = await workspacesInScope(client, options.workspace, (made) => (requests += made));
  const counts: Record<string, Record<string, number>> = {};
  for (const ws of workspaces.list) counts[ws.name] = {};
  if (workspaces.listed) counts[GLOBAL_WORKSPACE] = { workspaces: workspaces.list.length };
  const types: string[] = [...WORKSPACED_TYPES, ...(options.enterprise ? ENTERPRISE_TYPES : [])];

  // Enterprise keeps per-workspace counters: GET /workspaces/{ws}/meta → {counts: {services: 2, …}}
  // (Enterprise's Admin API reference, workspaces/{ws}/meta). Types it lists need no paging; anything it lacks is paged.
  const fromMeta: string[] = [];
  const meta = new Map<string, Record<string, unknown>>();
  if (options.enterprise) {
    await mapLimit(workspaces.list, options.concurrency, async (ws) => {
      requests++;
      try {
        const body = await client.getJson<{ counts?: unknown }>(`/workspaces/${encodeURIComponent(ws.name)}/meta`);
        if (body.counts !== null && typeof body.counts === 'object') {
          meta.set(ws.name, body.counts as Record<string, unknown>);
          fromMeta.push(ws.name);
        }
      } catch (error) {
        options.log?.(`no meta counts for workspace ${ws.name} (${(error as Error).message}); paging instead`);
      }
    });
  }

  // Targets live under their upstream only: top-level /targets is disabled (404: Kong/kong 3.4.2
  // kong/api/routes/targets.lua l.6).
  const upstreamIds = new Map<string, string[]>();
  const pagedTasks: { ws: Workspace; type: string }[] = [];
  for (const ws of workspaces.list) {
    const wsMeta = meta.get(ws.name);
    for (const type of types) {
      const value = wsMeta?.[type];
      if (type !== 'upstreams' && typeof value === 'number') counts[ws.name]![type] = value;
      else if (type === 'upstreams' && typeof value === 'number' && typeof wsMeta?.targets === 'number') counts[ws.name]![type] = value;
      else if (type !== 'targets') pagedTasks.push({ ws, type });
    }
  }
  const globalTasks = GLOBAL_TYPES.map((type) => ({ ws: { name: GLOBAL_WORKSPACE, prefix: undefined } as Workspace, type }));
  await mapLimit([...pagedTasks, ...globalTasks], options.concurrency, async ({ ws, type }) => {
    let count = 0;
    const ids: string[] = [];
    // Read first, then add: `requests += await …` would add to the value read before the await.
    const made = await client.forEachPage<{ id?: unknown }>(`/${type}`, ws.prefix, (items) => {
      count += items.length;
      if (type === 'upstreams') for (const item of items) if (typeof item.id === 'string') ids.push(item.id);
    });
    requests += made;
    (counts[ws.name] ??= {})[type] = count;
    if (type === 'upstreams') upstreamIds.set(ws.name, ids);
  });

  const targetTasks: { ws: Workspace; upstream: string }[] = [];
  for (const ws of workspaces.list) {
    if (counts[ws.name]!.targets !== undefined) continue;
    counts[ws.name]!.targets = 0;
    for (const upstream of upstreamIds.get(ws.name) ?? []) targetTasks.push({ ws, upstream });
  }
  await mapLimit(targetTasks, options.concurrency, async ({ ws, upstream }) => {
    let count = 0;
    const made = await client.forEachPage(`/upstreams/${encodeURIComponent(upstream)}/targets`, ws.prefix, (items) => {
      count += items.length;
    });
    requests += made;
    counts[ws.name]!.targets! += count;
  });

  return { counts: sortCounts(counts), fromMeta: fromMeta.sort(), requests };
}

async function workspacesInScope(
  client: AdminClient,
  workspace: string | undefined,
  countRequests: (made: number) => void,
): Promise<{ list: Workspace[]; listed: boolean }> {
  const only = (name: string): Workspace => ({ name, prefix: name === 'default' ? undefined : name });
  if (workspace === undefined) return { list: [only('default')], listed: false };
  if (workspace !== 'all') return { list: [only(workspace)], listed: false };
  const { names, requests } = await listWorkspaces(client);
  countRequests(requests);
  // Unprefixed requests target `default`: the same collection, one less path form.
  return names === undefined ? { list: [only('default')], listed: false } : { list: names.map(only), listed: true };
}

/**
 * What changed between `baseline` and `current`. Only entity types both sides counted are
 * compared (a manifest also counts credentials and keys, which the Admin API inventory does
 * not), across the workspaces in scope and `*`. Within a workspace a side has, a missing type
 * counts as 0; a workspace one side lacks shows as absent.
 */
export function compareCounts(baseline: EntityCounts, current: EntityCounts, scope: readonly string[] | 'all'): CountDifference[] {
  const typesOf = (counts: EntityCounts) => new Set(Object.values(counts).flatMap((byType) => Object.keys(byType)));
  const currentTypes = typesOf(current);
  const types = [...typesOf(baseline)].filter((type) => currentTypes.has(type)).sort();
  const inScope = (ws: string) => scope === 'all' || ws === GLOBAL_WORKSPACE || scope.includes(ws);
  const workspaces = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].filter(inScope).sort();
  const globalOnly = new Set<string>([...GLOBAL_TYPES, 'workspaces']);
  const differences: CountDifference[] = [];
  for (const ws of workspaces) {
    const before = baseline[ws];
    const after = current[ws];
    for (const entity of types) {
      if (ws === GLOBAL_WORKSPACE) {
        // Compared only when both sides counted it (workspaces are listed only with `all`).
        const b = before?.[entity];
        const c = after?.[entity];
        if (b !== undefined && c !== undefined && b !== c) differences.push({ workspace: ws, entity, baseline: b, current: c });
        continue;
      }
      if (globalOnly.has(entity)) continue;
      const b = before === undefined ? undefined : (before[entity] ?? 0);
      const c = after === undefined ? undefined : (after[entity] ?? 0);
      // A workspace one side lacks: show what the other side had in it.
      if ((b === undefined && c === 0) || (c === undefined && b === 0)) continue;
      if (b !== c) differences.push({ workspace: ws, entity, baseline: b, current: c });
    }
  }
  return differences;
}

export function inventoryCheck(inventory: Inventory, baseline: { source: string; counts: EntityCounts } | undefined, differences: readonly CountDifference[]): CheckResult {
  const total = Object.entries(inventory.counts)
    .filter(([ws]) => ws !== GLOBAL_WORKSPACE)
    .reduce((sum, [, byType]) => sum + Object.values(byType).reduce((a, b) => a + b, 0), 0);
  const workspaces = Object.keys(inventory.counts).filter((ws) => ws !== GLOBAL_WORKSPACE).length;
  const base = { name: 'inventory-counts', group: 'inventory' as const, measured: `${total} entities in ${workspaces} workspace(s)` };
  if (baseline === undefined) {
    return pass({ ...base, threshold: null, details: `counted ${total} entities in ${workspaces} workspace(s); no baseline given, nothing compared` });
  }
  if (differences.length === 0) {
    return pass({ ...base, threshold: `equal to ${baseline.source}`, details: `every count equals the baseline (${baseline.source})` });
  }
  const show = (n: number | undefined) => (n === undefined ? 'absent' : String(n));
  const delta = (d: CountDifference) => (d.baseline !== undefined && d.current !== undefined ? `${d.current - d.baseline > 0 ? '+' : ''}${d.current - d.baseline}` : '');
  return fail({
    ...base,
    measured: `${differences.length} difference(s)`,
    threshold: `equal to ${baseline.source}`,
    details: `entity counts differ from the baseline: ${differences.map((d) => `${d.workspace}/${d.entity} ${show(d.baseline)} → ${show(d.current)}`).join(', ')}`,
    evidence: table(
      ['workspace', 'entity', 'baseline', 'now', 'change'],
      differences.map((d) => [d.workspace, d.entity, show(d.baseline), show(d.current), delta(d)]),
    ),
  });
}

/**
 * A baseline's counts: from a backup manifest (`kong-upgrade/backup-manifest@1`), a declarative
 * export's index (`kong-upgrade/admin-export@1`, export.json: counted through the Admin API, so
 * it needs no database) or an earlier smoke report (`kong-upgrade/smoke-report@1`), each checked
 * as its contract says.
 */
export async function readBaseline(file: string, input: string): Promise<{ source: string; counts: EntityCounts }> {
  const data = await readContract<{ schema: string; counts?: EntityCounts | null }>(file, input, [BACKUP_MANIFEST, ADMIN_EXPORT, SMOKE_REPORT]);
  if (data.counts === undefined || data.counts === null) throw inputError(input, `${file} is a smoke report without counts (its inventory was not taken)`);
  const kind = data.schema === BACKUP_MANIFEST.schema ? 'backup manifest' : data.schema === ADMIN_EXPORT.schema ? 'declarative export' : 'smoke report';
  return { source: `${kind} ${file}`, counts: data.counts };
}
