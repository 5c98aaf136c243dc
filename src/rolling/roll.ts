import { waitForAdmin } from '../checks/admin.js';
import type { ProxyRequestSpec } from '../checks/proxy.js';
import { fail, pass, type CheckResult } from '../checks/report.js';
import { createAdminClient } from '../kong/admin-api.js';
import { errorMessage } from '../lib/errors.js';
import { dataPlaneVerdict } from '../version/hybrid-compat.js';
import { compareKongVersions, formatKongVersion, type KongVersion } from '../version/kong-version.js';
import { rootVersion } from '../kong/admin-root.js';
import type { ControlPlaneView } from './control-plane.js';
import { checkDblessNode, checkThroughNode, type DeclarativeCheck } from './node-checks.js';
import type { Batch } from './nodes.js';
import { callOperator, type BatchPhase } from './operator.js';
import { ROLLING_REPORT_SCHEMA, type BatchReport, type RollingReport } from './report.js';
import { waitForBatch } from './sync.js';

/**
 * A rolling upgrade of nodes without a database to migrate (Kong/developer.konghq.com
 * app/gateway/upgrade/rolling.md: new nodes join and old ones leave, batch by batch): hybrid
 * data planes after their control plane, Konnect data planes, or DB-less nodes. For each batch:
 * the skew rule (a data plane is never newer than its control plane), the operator's
 * `roll-batch`, then the batch proves itself: data planes report to the control plane at the
 * new version with a fresh configuration hash, DB-less nodes hold the converted configuration;
 * and the smoke requests pass through every new node. The first batch that does not stops the
 * rollout: later batches never start, so the old nodes keep serving, and the failed batch is
 * put back at the old version (`revert-batch`) unless that was turned off.
 */
export interface RollRequest {
  readonly deployment: 'hybrid' | 'konnect' | 'db-less';
  readonly from: KongVersion;
  readonly to: KongVersion;
  readonly batches: readonly Batch[];
  readonly operatorScript: string;
  /** Hybrid and Konnect. */
  readonly controlPlane: ControlPlaneView | undefined;
  /** DB-less: the converted file (new nodes) and the file the nodes ran before (a revert). */
  readonly declarative: { readonly converted: string; readonly check: DeclarativeCheck; readonly previous: string | undefined } | undefined;
  readonly adminToken: string | undefined;
  readonly requests: readonly ProxyRequestSpec[];
  readonly syncTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly revertOnFailure: boolean;
  readonly dryRun: boolean;
}

type Log = (line: string) => void;

export async function roll(request: RollRequest, log: Log): Promise<RollingReport> {
  const startedAt = new Date().toISOString();
  const batches: BatchReport[] = [];
  let stopped = false;
  let cpVersion: KongVersion | undefined;
  for (const [i, batch] of request.batches.entries()) {
    const index = i + 1;
    const names = batch.map((node) => node.name);
    if (stopped) {
      batches.push({ index, nodes: names, outcome: 'not-run', startedAt: undefined, finishedAt: undefined, summary: 'not started: an earlier batch did not pass', checks: {} });
      continue;
    }
    log(`Batch ${index}/${request.batches.length}: ${names.join(', ')}`);
    const skew = await skewRule(request, log);
    cpVersion = skew.version ?? cpVersion;
    // A dry run upgrades no control plane: the data planes would wait for it, which is no failure.
    if (!skew.ok && !request.dryRun) {
      batches.push({ index, nodes: names, outcome: 'not-run', startedAt: undefined, finishedAt: undefined, summary: skew.summary, checks: {} });
      stopped = true;
      continue;
    }
    if (request.dryRun) {
      batches.push({ index, nodes: names, outcome: 'not-run', startedAt: undefined, finishedAt: undefined, summary: `dry run: would roll to ${formatKongVersion(request.to)} (${skew.summary})`, checks: {} });
      continue;
    }
    const outcome = await rollBatch(request, batch, index, log);
    batches.push(outcome);
    if (outcome.outcome !== 'rolled') stopped = true;
  }
  return {
    schema: ROLLING_REPORT_SCHEMA,
    deployment: request.deployment,
    from: formatKongVersion(request.from),
    to: formatKongVersion(request.to),
    controlPlane: request.controlPlane === undefined ? undefined : { source: request.controlPlane.describe, version: cpVersion === undefined ? undefined : formatKongVersion(cpVersion) },
    completed: !request.dryRun && batches.every((b) => b.outcome === 'rolled'),
    dryRun: request.dryRun,
    startedAt,
    finishedAt: new Date().toISOString(),
    batches,
    declarative: request.declarative === undefined ? undefined : { file: request.declarative.converted, counts: request.declarative.check.counts },
  };
}

/** Before each batch: may the target join the control plane as it is now? Read again each time. */
async function skewRule(request: RollRequest, log: Log): Promise<{ ok: boolean; summary: string; version: KongVersion | undefined }> {
  if (request.controlPlane === undefined) return { ok: true, summary: 'no control plane (DB-less)', version: undefined };
  let version: KongVersion | undefined;
  try {
    version = await request.controlPlane.version();
  } catch (error) {
    return { ok: false, summary: `the control plane's version could not be read, so the skew rule cannot be checked: ${errorMessage(error)}`, version: undefined };
  }
  if (version === undefined) return { ok: true, summary: `${request.controlPlane.describe} judges each data plane itself (its compatibility status, checked after the batch)`, version };
  const verdict = dataPlaneVerdict(version, request.to);
  const target = formatKongVersion(request.to);
  if (!verdict.accepted) {
    const summary = `refused by the skew rule: data planes at ${target} would be rejected by the control plane at ${formatKongVersion(version)} (${verdict.reason}); upgrade the control plane first`;
    log(summary);
    return { ok: false, summary, version };
  }
  log(`  skew rule: data planes at ${target} may join the control plane at ${formatKongVersion(version)}`);
  return { ok: true, summary: `control plane ${formatKongVersion(version)} accepts ${target}`, version };
}

async function rollBatch(request: RollRequest, batch: Batch, index: number, log: Log): Promise<BatchReport> {
  const startedAt = new Date();
  const base = { index, nodes: batch.map((node) => node.name), startedAt: startedAt.toISOString() };
  const checks: Record<string, CheckResult[]> = Object.fromEntries(batch.map((node) => [node.name, []]));
  const operate = (phase: BatchPhase, version: KongVersion, declarativeConfig: string | undefined) =>
    callOperator({ script: request.operatorScript, phase, batch, index, count: request.batches.length, version: formatKongVersion(version), deployment: request.deployment, declarativeConfig }, log);

  let failure: string | undefined;
  try {
    await operate('roll-batch', request.to, request.declarative?.converted);
  } catch (error) {
    failure = errorMessage(error);
  }
  if (failure === undefined) {
    if (request.controlPlane !== undefined) {
      const sync = await waitForBatch(request.controlPlane, batch, request.to, { sinceMs: startedAt.getTime(), timeoutMs: request.syncTimeoutMs, log });
      for (const node of sync.nodes) {
        const fields = { name: 'data-plane-sync', group: 'hybrid' as const, threshold: `${formatKongVersion(request.to)}, configuration ${sync.reference === undefined ? 'not empty' : `${sync.reference.hash} (from ${sync.reference.source})`}` };
        checks[node.node.name]!.push(node.synced ? pass({ ...fields, measured: node.row?.configHash ?? null, details: `reported ${node.detail}` }) : fail({ ...fields, measured: node.row?.configHash ?? null, details: node.detail }));
      }
    }
    for (const node of batch) {
      const list = checks[node.name]!;
      if (request.declarative !== undefined) {
        const client = createAdminClient({ url: node.adminUrl!, token: request.adminToken, workspace: undefined }, request.requestTimeoutMs, `Admin API of ${node.name}`);
        const reach = await waitForAdmin(client, request.syncTimeoutMs, log);
        list.push(reach.check);
        if (reach.root !== undefined) list.push(...(await checkDblessNode(node, request.to, request.declarative.check, request.adminToken, request.requestTimeoutMs)));
      }
      if (!list.some((check) => check.status !== 'pass')) list.push(...(await checkThroughNode(node, request.to, { requests: request.requests, timeoutMs: request.requestTimeoutMs })));
    }
    const failed = Object.entries(checks).flatMap(([node, list]) => list.filter((c) => c.status !== 'pass').map((c) => `${node}: ${c.name} (${c.details})`));
    if (failed.length === 0) {
      log(`Batch ${index} rolled: ${base.nodes.join(', ')} at ${formatKongVersion(request.to)}, checked`);
      return { ...base, outcome: 'rolled', finishedAt: new Date().toISOString(), summary: `at ${formatKongVersion(request.to)}; ${Object.values(checks).flat().length} check(s) passed`, checks };
    }
    failure = failed.join('; ');
  }
  log(`Batch ${index} failed: ${failure}`);
  if (!request.revertOnFailure) {
    return { ...base, outcome: 'failed', finishedAt: new Date().toISOString(), summary: `${failure}; left as it is (revert-on-failure false)`, checks };
  }
  try {
    await operate('revert-batch', request.from, request.declarative?.previous);
  } catch (error) {
    return { ...base, outcome: 'failed', finishedAt: new Date().toISOString(), summary: `${failure}; the revert failed too: ${errorMessage(error)}`, checks };
  }
  const back = await confirmRevert(request, batch, startedAt.getTime(), log);
  return { ...base, outcome: back.ok ? 'reverted' : 'failed', finishedAt: new Date().toISOString(), summary: `${failure}; ${back.summary}`, checks };
}

/** After revert-batch: the batch's nodes run the old version again (and data planes synced). */
async function confirmRevert(request: RollRequest, batch: Batch, sinceMs: number, log: Log): Promise<{ ok: boolean; summary: string }> {
  const from = formatKongVersion(request.from);
  if (request.controlPlane !== undefined) {
    const sync = await waitForBatch(request.controlPlane, batch, request.from, { sinceMs, timeoutMs: request.syncTimeoutMs, log });
    return sync.synced
      ? { ok: true, summary: `reverted: the batch runs ${from} again, synced with the control plane` }
      : { ok: false, summary: `revert-batch ran, but ${sync.nodes.filter((n) => !n.synced).map((n) => `${n.node.name} ${n.detail}`).join('; ')}` };
  }
  const problems: string[] = [];
  for (const node of batch) {
    const client = createAdminClient({ url: node.adminUrl!, token: request.adminToken, workspace: undefined }, request.requestTimeoutMs, `Admin API of ${node.name}`);
    const reach = await waitForAdmin(client, request.syncTimeoutMs, log);
    const version = reach.root === undefined ? undefined : rootVersion(reach.root);
    if (version === undefined || compareKongVersions(version, request.from) !== 0) problems.push(`${node.name} reports ${String(reach.root?.version ?? 'nothing')}`);
  }
  return problems.length === 0 ? { ok: true, summary: `reverted: the batch runs ${from} again` } : { ok: false, summary: `revert-batch ran, but ${problems.join('; ')}` };
}
