import type { ServedDatabase } from '../kong/admin-root.js';
import { ENTITY_COUNTS_SHAPE, type EntityCounts } from '../kong/entities.js';
import { boolean, listOf, nullable, object, oneOf, optional, text, wholeNumber, type Contract } from '../lib/json-shape.js';

/**
 * The smoke report: `kong-upgrade/smoke-report@1` (docs/design.md "Contracts"), written by the
 * smoke-test action (`report-json`) and read by `kong migrations finish` (gate input
 * `smoke-report`) and promote, which also builds one in-process. Fields are only ever added;
 * renaming or removing one needs a new schema version. Documented in actions/smoke-test/README.md.
 */
export const SMOKE_REPORT_SCHEMA = 'kong-upgrade/smoke-report@1';

export type CheckGroup = 'admin' | 'hybrid' | 'inventory' | 'proxy' | 'latency';

export const CHECK_GROUPS: readonly CheckGroup[] = ['admin', 'hybrid', 'inventory', 'proxy', 'latency'];

/** A measured value or a threshold: a number with its unit, a version, a list… as JSON. */
export type Measure = string | number | boolean | null | readonly string[];

interface CheckFields {
  /** Stable, kebab-case, e.g. `admin-version`, `proxy:orders`, `latency-p95`. */
  readonly name: string;
  readonly group: CheckGroup;
  readonly measured: Measure;
  readonly threshold: Measure;
  /** One line a reviewer can act on; multi-line detail (request and response) in `evidence`. */
  readonly details: string;
  /** Markdown shown under the check in the summary (a table of differences, a request and its answer). */
  readonly evidence?: string;
}

/**
 * A check's outcome. `inconclusive` means the check could not decide (too few samples, a
 * prerequisite failed): it is not a pass, and a gate treats it as not passed.
 */
export type CheckResult =
  | (CheckFields & { readonly status: 'pass' })
  | (CheckFields & { readonly status: 'fail' })
  | (CheckFields & { readonly status: 'inconclusive' });

export type CheckStatus = CheckResult['status'];

/**
 * What a reader of a smoke report relies on (migrate's finish gate, a baseline): checked when
 * read, so a hand-edited or truncated report is refused naming the field, never half-read.
 */
export const SMOKE_REPORT: Contract = {
  schema: SMOKE_REPORT_SCHEMA,
  name: 'smoke report',
  shape: object({
    passed: boolean,
    finishedAt: text(),
    kongVersion: optional(text()),
    checks: listOf(object({ name: text(), status: oneOf(['pass', 'fail', 'inconclusive']) })),
    database: optional(object({ host: text(), port: wholeNumber(1, 65_535), database: optional(text()) })),
    counts: optional(nullable(ENTITY_COUNTS_SHAPE)),
  }),
};

export function pass(fields: CheckFields): CheckResult {
  return { ...fields, status: 'pass' };
}

export function fail(fields: CheckFields): CheckResult {
  return { ...fields, status: 'fail' };
}

export function inconclusive(fields: CheckFields): CheckResult {
  return { ...fields, status: 'inconclusive' };
}


export interface CountDifference {
  readonly workspace: string;
  readonly entity: string;
  /** undefined: the workspace or type is absent on that side. */
  readonly baseline: number | undefined;
  readonly current: number | undefined;
}

export interface SmokeTarget {
  readonly adminUrl: string;
  readonly statusUrl: string | undefined;
  readonly proxyUrl: string | undefined;
  readonly blueProxyUrl: string | undefined;
  readonly workspace: string | undefined;
}

export interface LatencySummary {
  readonly target: string;
  readonly attempts: number;
  readonly responses: number;
  readonly samples: number;
  readonly p50Ms: number | undefined;
  readonly p95Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly status5xx: number;
  readonly transportErrors: { readonly refused: number; readonly reset: number; readonly timeout: number; readonly other: number };
  readonly durationMs: number;
  readonly requestsPerSecond: number;
}

export interface SmokeReport {
  readonly schema: typeof SMOKE_REPORT_SCHEMA;
  readonly target: SmokeTarget;
  /** `version` of GET / as the node reported it; undefined when the Admin API never answered. */
  readonly kongVersion: string | undefined;
  /** `edition` of GET / (3.6+), or inferred from a four-number version. */
  readonly edition: string | undefined;
  /** `configuration.role` of GET /: traditional, control_plane or data_plane. */
  readonly role: string | undefined;
  /**
   * The PostgreSQL database the node serves, from `configuration` of GET / (pg_host, pg_port,
   * pg_database; Kong removes only pg_password and the like from it): what migrate's finish gate
   * compares with the database it finishes. Undefined: not PostgreSQL, or not reported.
   */
  readonly database?: ServedDatabase | undefined;
  readonly passed: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checks: readonly CheckResult[];
  /** Counts per workspace and entity type; undefined when the inventory was not taken. */
  readonly counts: EntityCounts | undefined;
  readonly baseline: { readonly source: string; readonly counts: EntityCounts } | undefined;
  readonly differences: readonly CountDifference[];
  readonly latency: { readonly green: LatencySummary; readonly blue: LatencySummary | undefined } | undefined;
}

/** Every check that is not a pass, by name: the action's `failed-checks`. */
export function notPassed(checks: readonly CheckResult[]): CheckResult[] {
  return checks.filter((check) => check.status !== 'pass');
}

export function serializeReport(report: SmokeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
