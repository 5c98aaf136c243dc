import { lookup } from 'node:dns/promises';
import { SMOKE_REPORT, type SmokeReport } from '../checks/report.js';
import { stepError } from '../lib/errors.js';
import { readContract } from '../lib/json-shape.js';
import { compareKongVersions, tryParseKongVersion, type KongVersion } from '../version/kong-version.js';
import type { Hop } from './hops.js';
import type { MigrateRequest } from './request.js';
import type { Session } from './session.js';

/**
 * What `finish` asks of a smoke report before it makes the old version unusable: that it tested
 * the hop's Kong version, on the database being finished, recently, and passed. A report from
 * another cluster or from last week says nothing about the nodes on this database now.
 */
export interface SmokeExpectation {
  readonly version: KongVersion;
  readonly label: string;
  /** The database as the Kong nodes reach it (kubernetes-pg-host when the pods use another name). */
  readonly database: { readonly host: string; readonly port: number; readonly database: string };
  readonly maxAgeMs: number;
  readonly now: Date;
}

export interface SmokeVerdict {
  /** Why finish must not run on this report; empty when it may. */
  readonly refusals: readonly string[];
  readonly warnings: readonly string[];
}

/** A clock ahead of this runner's by more than this is a clock problem, not a fresh report. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The report file, its fields checked before any is trusted; errors name `smoke-report`. */
async function readSmokeReport(file: string): Promise<SmokeReport> {
  return readContract<SmokeReport>(file, 'smoke-report', [SMOKE_REPORT]);
}

async function judgeSmokeReport(report: SmokeReport, file: string, expected: SmokeExpectation): Promise<SmokeVerdict> {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const seen = report.kongVersion === undefined ? undefined : tryParseKongVersion(report.kongVersion);
  if (seen === undefined || compareKongVersions(seen, expected.version) !== 0) {
    refusals.push(`the smoke report ${file} tested Kong ${report.kongVersion ?? 'unknown'}, not ${expected.label}: test the new nodes first`);
  }
  const finished = Date.parse(report.finishedAt);
  const age = expected.now.getTime() - finished;
  if (Number.isNaN(finished)) {
    refusals.push(`the smoke report ${file} has no valid finishedAt (${JSON.stringify(report.finishedAt)}): its age is unknown`);
  } else if (age > expected.maxAgeMs) {
    refusals.push(`the smoke report ${file} is ${duration(age)} old (finished ${report.finishedAt}), older than smoke-report-max-age (${duration(expected.maxAgeMs)}): smoke-test the new nodes again`);
  } else if (-age > CLOCK_SKEW_MS) {
    refusals.push(`the smoke report ${file} finished in the future (${report.finishedAt}, ${duration(-age)} ahead of this runner): check the clocks`);
  }
  const served = report.database;
  const want = expected.database;
  if (served === undefined) {
    warnings.push(`the smoke report ${file} does not say which database its nodes serve (no pg_host in their Admin API configuration): it could not be checked to be of ${describe(want)}`);
  } else if ((served.database !== undefined && served.database !== want.database) || served.port !== want.port || !(await sameHost(served.host, want.host))) {
    refusals.push(`the smoke report ${file} tested nodes serving ${describe(served)}, not ${describe(want)}, the database this step finishes: smoke-test the nodes on this database`);
  }
  if (report.passed !== true) {
    const failed = report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.name} (${c.status})`);
    refusals.push(`the smoke report ${file} did not pass: ${failed.join(', ') || 'passed is false'}`);
  }
  return { refusals, warnings };
}

function describe(db: { host: string; port: number; database: string | undefined }): string {
  return `${db.host}:${db.port}/${db.database ?? '(database not reported)'}`;
}

/**
 * The same host under two names: equal (case aside), both loopback, or resolving to a shared
 * address. A name this runner cannot resolve (a cluster-internal one) only equals itself.
 */
async function sameHost(a: string, b: string): Promise<boolean> {
  const [x, y] = [a, b].map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  if (x === y) return true;
  const loopback = (h: string) => h === 'localhost' || /^127\./.test(h) || h === '::1';
  if (loopback(x!) && loopback(y!)) return true;
  const [first, second] = await Promise.all([addresses(x!), addresses(y!)]);
  return first.some((address) => second.includes(address));
}

async function addresses(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return [];
  }
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/** `finish` makes the old version unusable: only after the new nodes passed their smoke test. */
export async function smokeGate(request: MigrateRequest, hop: Hop, session: Session, mode: 'enforce' | 'dry-run'): Promise<void> {
  const refuse = (detail: string) => {
    if (mode === 'dry-run') session.warn(`smoke gate would refuse: ${detail}`);
    else throw stepError('smoke gate', detail);
  };
  const gate = request.smoke;
  if (gate.kind === 'waived') {
    session.warn('allow-finish-without-smoke-report is true: finishing without a passing smoke test of the new nodes; after finish the old version cannot use this database.');
    return;
  }
  if (gate.kind === 'none') {
    return refuse(`finish needs smoke-report: a passing smoke-test report of Kong ${hop.label} nodes on this database (or allow-finish-without-smoke-report: true). After finish the old nodes can no longer use the database`);
  }
  const report = await readSmokeReport(gate.path);
  const db = request.database.db;
  const nodesHost = request.runner.kind === 'kubernetes' && request.runner.pgHost !== undefined ? request.runner.pgHost : db.host;
  const verdict = await judgeSmokeReport(report, gate.path, {
    version: hop.version,
    label: hop.label,
    database: { host: nodesHost, port: db.port, database: db.database },
    maxAgeMs: gate.maxAgeMs,
    now: new Date(),
  });
  for (const warning of verdict.warnings) session.warn(`smoke gate: ${warning}`);
  if (verdict.refusals.length > 0) return refuse(verdict.refusals.join('; '));
  session.log.info(`smoke gate: Kong ${report.kongVersion} passed ${report.checks.length} check(s) at ${report.finishedAt}`);
}
