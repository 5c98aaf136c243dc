import { sleep } from '../lib/concurrency.js';
import { errorMessage } from '../lib/errors.js';
import { compareKongVersions, formatKongVersion, tryParseKongVersion, type KongVersion } from '../version/kong-version.js';
import { EMPTY_CONFIG_HASH, type ControlPlaneView, type DataPlaneRow } from './control-plane.js';
import type { Batch, RollingNode } from './nodes.js';

/**
 * After a batch: each of its nodes reports to the control plane again, at the new version, with
 * a fresh configuration hash. A control plane keeps the row of a replaced data plane until
 * cluster_data_plane_purge_delay (Kong/kong 3.4.2 kong/clustering/control_plane.lua: upsert with
 * that ttl), so a node is the newest row under its hostname seen since the batch started.
 * "Fresh" is the hash the control plane expects (Konnect says it), else the hash the data
 * planes outside the batch that pinged since the batch started agree on (a control plane pushes
 * one hash to every data plane: control_plane.lua export_deflated_reconfigure_payload), else,
 * when every data plane was in the batch, one hash the whole batch agrees on; never the empty
 * hash, which means no configuration.
 */
export interface NodeSync {
  readonly node: RollingNode;
  readonly synced: boolean;
  readonly row: DataPlaneRow | undefined;
  readonly detail: string;
}

export interface SyncWait {
  readonly synced: boolean;
  readonly nodes: readonly NodeSync[];
  /** The hash counted as fresh, and where it came from. */
  readonly reference: { readonly hash: string; readonly source: string } | undefined;
  readonly waitedMs: number;
}

export async function waitForBatch(
  view: ControlPlaneView,
  batch: Batch,
  target: KongVersion,
  options: { readonly sinceMs: number; readonly timeoutMs: number; readonly log: (line: string) => void },
): Promise<SyncWait> {
  const started = Date.now();
  // last_seen has whole seconds: a ping in the second the batch started counts.
  const since = Math.floor(options.sinceMs / 1000) * 1000;
  let delay = 250;
  let last: SyncWait | undefined;
  for (;;) {
    try {
      last = judge(await view.dataPlanes(), await view.expectedHash(), batch, target, since, Date.now() - started);
    } catch (error) {
      last = { synced: false, nodes: batch.map((node) => ({ node, synced: false, row: undefined, detail: `listing data planes failed: ${errorMessage(error)}` })), reference: undefined, waitedMs: Date.now() - started };
    }
    if (last.synced) return last;
    if (Date.now() - started >= options.timeoutMs) return last;
    const waiting = last.nodes.filter((n) => !n.synced).map((n) => `${n.node.name} (${n.detail})`);
    options.log(`  waiting for ${waiting.join('; ')}`);
    await sleep(Math.min(delay, Math.max(0, options.timeoutMs - (Date.now() - started))));
    delay = Math.min(delay * 2, 2000);
  }
}

function judge(rows: readonly DataPlaneRow[], expected: string | undefined, batch: Batch, target: KongVersion, since: number, waitedMs: number): SyncWait {
  const seen = rows.filter((row) => row.lastSeenMs !== undefined && row.lastSeenMs >= since);
  const newest = (hostname: string) =>
    seen.filter((row) => row.hostname === hostname).sort((a, b) => (b.lastSeenMs ?? 0) - (a.lastSeenMs ?? 0))[0];
  const inBatch = new Set(batch.map((node) => node.hostname));
  const reference = expected !== undefined ? { hash: expected, source: 'the control plane' } : agreed(seen.filter((row) => !inBatch.has(row.hostname) && row.syncProblem === undefined && row.configHash !== EMPTY_CONFIG_HASH), 'the data planes outside the batch') ?? agreed(batch.map((node) => newest(node.hostname)).filter((row): row is DataPlaneRow => row !== undefined), 'the whole batch');
  const nodes = batch.map((node): NodeSync => {
    const row = newest(node.hostname);
    const problem = row === undefined ? 'not seen by the control plane since the batch started' : rowProblem(row, target, reference?.hash);
    return { node, synced: problem === undefined, row, detail: problem ?? `${row!.version} with configuration ${row!.configHash}` };
  });
  return { synced: nodes.every((n) => n.synced), nodes, reference, waitedMs };
}

function rowProblem(row: DataPlaneRow, target: KongVersion, fresh: string | undefined): string | undefined {
  const version = row.version === undefined ? undefined : tryParseKongVersion(row.version);
  if (version === undefined || compareKongVersions(version, target) !== 0) return `reports version ${row.version ?? 'none'}, expected ${formatKongVersion(target)}`;
  if (row.syncProblem !== undefined) return `the control plane will not configure it: ${row.syncProblem}`;
  if (row.configHash === undefined || row.configHash === EMPTY_CONFIG_HASH) return 'has no configuration yet (empty configuration hash)';
  if (fresh !== undefined && row.configHash !== fresh) return `configuration hash ${row.configHash} is not the current ${fresh}`;
  return undefined;
}

/** The one non-empty hash every row reports, if they agree. */
function agreed(rows: readonly DataPlaneRow[], source: string): { hash: string; source: string } | undefined {
  const hashes = new Set(rows.map((row) => row.configHash));
  const [hash] = hashes;
  return hashes.size === 1 && hash !== undefined && hash !== EMPTY_CONFIG_HASH ? { hash, source } : undefined;
}
