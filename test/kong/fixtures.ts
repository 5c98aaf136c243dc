import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PLAN_SCHEMA } from '../../src/changelog/plan-types.js';
import { SMOKE_REPORT_SCHEMA } from '../../src/checks/report.js';
import type { ServedDatabase } from '../../src/kong/admin-root.js';
import { targetFromInputs, type DatabaseTarget } from '../../src/database/postgres/connect.js';
import { backupPostgres } from '../../src/database/postgres/dump.js';
import type { MigrateLog, MigrateRequest } from '../../src/migrate/request.js';
import { formatKongVersion, parseKongVersion } from '../../src/version/kong-version.js';
import { planUpgradePath } from '../../src/version/upgrade-path.js';
import type { PostgresServer } from '../helpers/postgres.js';
import { KONG } from '../kong-sim/helpers.js';

/**
 * `kong-<version>` wrappers around the simulator in a temp dir, so `kong-path:
 * <dir>/kong-{version}` gives each hop its own Kong, as `/opt/kong-3.4.2/bin/kong` would.
 */
export function kongBinaries(versions: readonly string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kong-bins-'));
  for (const version of versions) {
    const file = path.join(dir, `kong-${version}`);
    writeFileSync(file, `#!/bin/sh\nKONG_SIM_VERSION=${version} exec "${process.execPath}" "${KONG}" "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

export function target(server: PostgresServer, database: string): DatabaseTarget {
  return targetFromInputs(
    { host: server.host, port: server.port, user: server.user, password: server.password, database, sslmode: 'disable' },
    false,
  );
}

export function baseRequest(server: PostgresServer, database: string, bins: string, overrides: Partial<MigrateRequest> = {}): MigrateRequest {
  return {
    command: 'list',
    runner: { kind: 'binary', kongPath: path.join(bins, 'kong-{version}') },
    version: undefined,
    database: target(server, database),
    kongConf: undefined,
    plugins: ['bundled'],
    lockTimeoutSeconds: 60,
    dbTimeoutSeconds: 60,
    force: false,
    dryRun: false,
    render: false,
    backup: { kind: 'waived' },
    smoke: { kind: 'waived' },
    plan: undefined,
    ...overrides,
  };
}

export interface CapturedLog extends MigrateLog {
  readonly lines: string[];
  readonly warnings: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const warnings: string[] = [];
  return { lines, warnings, info: (line) => lines.push(line), warning: (line) => warnings.push(line) };
}

/** A plan file as fetch-changelog writes it (only the fields migrate reads are filled in). */
export function writePlan(dir: string, from: string, to: string): string {
  const hops = planUpgradePath(parseKongVersion(from), parseKongVersion(to), { edition: 'oss', deployment: 'traditional' });
  const plan = {
    schema: PLAN_SCHEMA,
    from,
    to,
    hops: hops.map((hop) => ({
      from: formatKongVersion(hop.from),
      to: formatKongVersion(hop.to),
      rule: hop.rule,
      reason: hop.reason,
      teardownMigrations: hop.facts.schema.kind === 'migrations' ? hop.facts.schema.teardown.map((m) => `${m.subsystem}:${m.name}`) : [],
      requiresFinish: hop.facts.requiresFinish,
    })),
  };
  const file = path.join(dir, `plan-${from}-${to}.json`);
  writeFileSync(file, JSON.stringify(plan, null, 2));
  return file;
}

/**
 * A real backup of `database` (backup-db's own pg_dump, manifest and checksums) in a new folder
 * under `dir`; returns the manifest's path. The backup gate checks the archive it names.
 */
export async function backUp(server: PostgresServer, database: string, dir: string): Promise<string> {
  const backup = await backupPostgres({ source: target(server, database), backupDir: dir, format: 'custom', jobs: 1, compression: 'auto', binDir: server.bindir });
  return backup.manifestPath;
}

export interface ReportOptions {
  /** The database the tested nodes serve (the Admin API's pg_host, pg_port, pg_database); null: not reported. */
  readonly served: ServedDatabase | null;
  readonly finishedAt?: Date;
}

/** A smoke report as smoke-test writes it (only the fields migrate's finish gate reads are filled in). */
export function writeSmokeReport(file: string, kongVersion: string, passed: boolean, options: ReportOptions): string {
  const finishedAt = (options.finishedAt ?? new Date()).toISOString();
  writeFileSync(
    file,
    JSON.stringify({
      schema: SMOKE_REPORT_SCHEMA,
      target: { adminUrl: 'http://127.0.0.1:8001' },
      kongVersion,
      ...(options.served === null ? {} : { database: options.served }),
      passed,
      startedAt: finishedAt,
      finishedAt,
      checks: [{ name: 'admin-version', group: 'admin', status: passed ? 'pass' : 'fail', measured: kongVersion, threshold: kongVersion, details: '' }],
      differences: [],
    }),
  );
  return file;
}

/** The database `database` on `server` as the simulator's Admin API reports it: served by nodes there. */
export function servedBy(server: PostgresServer, database: string): ServedDatabase {
  return { host: server.host, port: server.port, database };
}

export async function sql(server: PostgresServer, database: string, text: string): Promise<void> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
