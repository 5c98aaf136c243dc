import type { CheckResult } from '../checks/report.js';
import { details, escapeCell, table } from '../lib/markdown.js';

/**
 * What a rolling upgrade did, batch by batch: the `kong-upgrade/rolling-report@1` file the roll
 * action writes (report-file) and the job summary made from it. Fields are only ever added.
 */
export const ROLLING_REPORT_SCHEMA = 'kong-upgrade/rolling-report@1';

export type BatchOutcome =
  /** Rolled, synced, checked. */
  | 'rolled'
  /** Rolled but a check failed: the rollout stopped here. */
  | 'failed'
  /** Failed, then put back at the old version by the operator (revert-batch). */
  | 'reverted'
  /** Never started: an earlier batch failed, or the skew rule refused it. */
  | 'not-run';

export interface BatchReport {
  readonly index: number;
  readonly nodes: readonly string[];
  readonly outcome: BatchOutcome;
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
  /** One line on what happened (the failure, when there was one). */
  readonly summary: string;
  /** Per node: its checks (skew, sync, configuration, readiness, proxy requests). */
  readonly checks: Readonly<Record<string, readonly CheckResult[]>>;
}

export interface RollingReport {
  readonly schema: typeof ROLLING_REPORT_SCHEMA;
  readonly deployment: 'hybrid' | 'konnect' | 'db-less';
  readonly from: string;
  readonly to: string;
  readonly controlPlane: { readonly source: string; readonly version: string | undefined } | undefined;
  /** True when every batch rolled. */
  readonly completed: boolean;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly batches: readonly BatchReport[];
  /** DB-less: the converted file's entities, which every new node must hold. */
  readonly declarative: { readonly file: string; readonly counts: Readonly<Record<string, number>> } | undefined;
}

const OUTCOME = { rolled: '✅ rolled', failed: '❌ failed', reverted: '↩️ reverted', 'not-run': '⏸ not run' } as const;

export function renderRollingSummary(report: RollingReport): string {
  const title = report.completed
    ? `### Rolling upgrade ${report.from} → ${report.to}: every batch rolled`
    : `### Rolling upgrade ${report.from} → ${report.to}: stopped${report.dryRun ? ' (dry run)' : ''}`;
  const cp = report.controlPlane === undefined ? '' : `\n\nControl plane: ${report.controlPlane.source}${report.controlPlane.version === undefined ? '' : `, Kong ${report.controlPlane.version}`}.`;
  const rows = report.batches.map((batch) => [String(batch.index), batch.nodes.map((n) => `\`${n}\``).join(', '), OUTCOME[batch.outcome], escapeCell(batch.summary)]);
  const checks = report.batches
    .filter((batch) => Object.keys(batch.checks).length > 0)
    .map((batch) =>
      details(
        `Batch ${batch.index} checks`,
        table(['Node', 'Check', 'Result', 'Details'], Object.entries(batch.checks).flatMap(([node, list]) => list.map((c) => [`\`${node}\``, c.name, c.status, escapeCell(c.details)]))),
      ),
    );
  return [`${title}${cp}`, table(['Batch', 'Nodes', 'Outcome', 'What happened'], rows), ...checks].join('\n\n');
}
