import { stepError } from '../lib/errors.js';
import { listOf, matching, object, oneOf, recordOf, type Contract } from '../lib/json-shape.js';
import type { ExecResult } from '../lib/exec.js';
import type { Queryable, SchemaMetaRow } from './schema-meta.js';

/**
 * The migration state of a Kong database (`kong-upgrade/migration-state@1`, docs/design.md
 * "Contracts"), from two sources that must agree:
 *  - `kong migrations list` of the Kong version that will run: its exit code (0 up to date,
 *    3 needs bootstrap, 4 pending, 5 new; Kong/kong 3.4.2
 *    kong/cmd/migrations.lua l.105-154) and its Executed/Pending/New lists. Only Kong knows which migrations its code ships,
 *    so "new" can only come from here.
 *  - the `schema_meta` rows read directly (kong/db/strategies/postgres/connector.lua
 *    schema_migrations, 3.4.2 l.739): what the
 *    database itself records, including subsystems the runner's Kong does not load.
 * An exit code alone is never trusted: the lists must say the same, and the rows must too.
 */
const MIGRATION_STATE_SCHEMA = 'kong-upgrade/migration-state@1';

/** Subsystem (`core`, then plugins) → migration names, in Kong's order. */
export type MigrationsBySubsystem = Readonly<Record<string, readonly string[]>>;

const BY_SUBSYSTEM = recordOf(/^[A-Za-z0-9_.-]{1,128}$/, listOf(matching(/^[A-Za-z0-9_.:$-]{1,128}$/, 'a migration name')));

/** The `state-before` / `state-after` outputs (stateJson), as a reader of them checks them. */
export const MIGRATION_STATE: Contract = {
  schema: MIGRATION_STATE_SCHEMA,
  name: 'migration state',
  shape: object({
    kind: oneOf(['needs-bootstrap', 'up-to-date', 'new', 'pending', 'pending-and-new']),
    executed: BY_SUBSYSTEM,
    pending: BY_SUBSYSTEM,
    new: BY_SUBSYSTEM,
  }),
};

interface Lists {
  readonly executed: MigrationsBySubsystem;
  readonly pending: MigrationsBySubsystem;
  readonly new: MigrationsBySubsystem;
}

export type MigrationState =
  /** No schema_meta: `kong migrations bootstrap` (list exit 3). */
  | ({ readonly kind: 'needs-bootstrap' } & Lists)
  /** Executed only (list exit 0). */
  | ({ readonly kind: 'up-to-date' } & Lists)
  /** `up` has work; nothing pending (list exit 5). */
  | ({ readonly kind: 'new' } & Lists)
  /** `up` ran, `finish` has not (list exit 4). */
  | ({ readonly kind: 'pending' } & Lists)
  /** Pending from a previous `up` and new from this version (list exit 4 plus the warning). */
  | ({ readonly kind: 'pending-and-new' } & Lists);

export type MigrationStateKind = MigrationState['kind'];

/** What `kong migrations list` printed, parsed. */
export interface ListOutput extends Lists {
  readonly exitCode: 0 | 3 | 4 | 5;
}

const NOT_LEADER = 'aborted: another node is performing database changes';

/** Kong's message when another node held the migrations lock (Kong/kong 3.4.2 kong/cmd/utils/migrations.lua l.5). */
export function reportsAnotherNode(result: Pick<ExecResult, 'stdout' | 'stderr'>): boolean {
  return result.stdout.includes(NOT_LEADER) || result.stderr.includes(NOT_LEADER);
}

// Not the closing line of an up that leaves migrations pending, which goes on "… when ready" (l.89).
const PENDING_REFUSAL = /Database has pending migrations; run 'kong migrations finish'(?! when ready)/;

/** `up` refusing a database with pending migrations (Kong/kong 3.4.2 kong/cmd/utils/migrations.lua l.67, and l.74 inside the lock). */
export function refusesPendingMigrations(result: Pick<ExecResult, 'stdout' | 'stderr'>): boolean {
  return PENDING_REFUSAL.test(result.stderr) || PENDING_REFUSAL.test(result.stdout);
}

/** `2026/12/04 14:22:14 [info] ` (Kong/kong 3.4.2 kong/cmd/utils/log.lua l.75: every line under --v/--vv, warn and error always). */
const LOG_PREFIX = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[[a-z]+\](?: |$)/;
/** A line of Kong's CLI output without the timestamp and level --v/--vv put before it. */
export function logMessage(line: string): string {
  return line.replace(LOG_PREFIX, '');
}

/**
 * The block headers: from 1.2.0 (Kong/kong 3.4.2 kong/cmd/migrations.lua l.113-126), and the
 * lower-case ones 1.0.x and 1.1.x print through print_state (Kong/kong 1.1.0
 * kong/cmd/migrations.lua l.102, kong/cmd/utils/migrations.lua l.11-38).
 */
const HEADERS: Readonly<Record<string, 'executed' | 'pending' | 'new'>> = {
  'Executed migrations:': 'executed',
  'Pending migrations:': 'pending',
  'New migrations available:': 'new',
  'executed migrations:': 'executed',
  'database has pending migrations:': 'pending',
  'database has new migrations available:': 'new',
};
/** Lines that end a block: the advice (any version) and 1.0/1.1's closing words. */
const BLOCK_END = /^(?:Run 'kong migrations |run 'kong migrations |database is up-to-date$|database needs bootstrapping)/;
const LIST_LINE = /^\s*([A-Za-z0-9_.-]+): (.+)$/;
/**
 * prefix_handler.lua's info line on a missing prefix. From 3.0 bin/kong prepares the prefix in a
 * resty process of its own whose stdout is flushed when it exits: the line lands after the list
 * (observed on Kong 3.4.2 built here), with no blank line before it when nothing else follows.
 */
const PREFIX_CREATED = /^prefix directory .+ not found, trying to create it$/;
/** A wrapped paste's continuation: more names, no `subsystem:` (names are `000_base`, `001_14_to_15`). */
const CONTINUATION = /^\s*[0-9]{3}_[A-Za-z0-9_]+(?:,\s*[0-9]{3}_[A-Za-z0-9_]+)*,?$/;

/**
 * Parses `kong migrations list`. Lines are `<subsystem right-aligned>: a, b, c` under the
 * `Executed migrations:`, `Pending migrations:` and `New migrations available:` headers
 * (Kong/kong 3.4.2 kong/db/migrations/state.lua l.27, __tostring); a blank line, Kong's `Run 'kong migrations …'` advice
 * (some logs and pastes lose the blank line before it), Kong's "prefix directory … not found" or a
 * new log message ends a block. Under
 * --v/--vv every message starts with a timestamp and level (log.lua): the prefix is dropped and
 * the message read as the rest (`[info] Executed migrations:` opens a block). A list wrapped
 * onto the next line by a paste is joined back. Exit 1 (or anything outside 0/3/4/5) is Kong's
 * `Error: …`: thrown with Kong's own words.
 */
export function parseMigrationsList(result: ExecResult): ListOutput {
  const code = result.exitCode;
  if (code === 2) {
    // 1.1-1.5: "Migrations can only be listed on a … that has been upgraded to 1.0" (Kong/kong
    // 1.5.1 kong/cmd/migrations.lua l.97-127, legacy_invalid_state).
    throw stepError('kong migrations list', `exited 2: the database is older than Kong 1.0 (Kong: ${kongError(result)}); migrate it with Kong 1.5 first`);
  }
  if (code !== 0 && code !== 3 && code !== 4 && code !== 5) {
    throw stepError('kong migrations list', `exited ${code}: ${kongError(result)}`);
  }
  const blocks: Record<'executed' | 'pending' | 'new', Record<string, string[]>> = { executed: {}, pending: {}, new: {} };
  let current: keyof typeof blocks | undefined;
  let last: string[] | undefined;
  let unread: string | undefined;
  for (const raw of result.stdout.split(/\r?\n/)) {
    let line = raw.trimEnd();
    const logged = LOG_PREFIX.test(line);
    if (logged) {
      line = line.replace(LOG_PREFIX, '');
      current = undefined;
    }
    const header = HEADERS[line.trim()];
    if (header !== undefined) {
      current = header;
      last = undefined;
      continue;
    }
    if (line.trim() === '' || BLOCK_END.test(line) || PREFIX_CREATED.test(line)) {
      current = undefined;
      continue;
    }
    if (current === undefined) {
      // Log lines (--v) and Kong's own messages outside a list are not the list; kept to name
      // when the exit code says a list should have been there.
      if (!logged && code !== 3) unread ??= line;
      continue;
    }
    const match = LIST_LINE.exec(line);
    if (match) {
      last = blocks[current][match[1]!] = names(match[2]!);
    } else if (last !== undefined && CONTINUATION.test(line)) {
      last.push(...names(line));
    } else {
      throw stepError('kong migrations list', `unexpected line in its output: ${JSON.stringify(line)}`);
    }
  }
  // Exit 4 and 5 promise a list (kong/cmd/migrations.lua l.141-154): without one the output is
  // in a form this reader does not know, which is said, not guessed.
  const missing = code === 4 && count(blocks.pending) === 0 ? 'Pending' : code === 5 && count(blocks.new) === 0 ? 'New' : undefined;
  if (missing !== undefined) {
    throw stepError('kong migrations list', `exited ${code} but its output holds no ${missing} migrations list this reader knows${unread === undefined ? '' : `; first line not understood: ${JSON.stringify(unread)}`}`);
  }
  return { exitCode: code, ...blocks };
}

function names(list: string): string[] {
  return list.split(',').map((name) => name.trim()).filter((name) => name !== '');
}

/**
 * Kong's `Error: …` line (Kong/kong 3.4.2 kong/cmd/init.lua l.34, and l.38 under --v). Under --v/--vv that line is empty and
 * Kong's words follow it, `<file>:<line>: <message>` up to `stack traceback:`: the message is
 * read from there. Either way without the file positions of the wrappers that passed it on
 * (Kong/kong#5934, #6444 paste them). Otherwise the last words Kong printed.
 */
export function kongError(result: Pick<ExecResult, 'stdout' | 'stderr'>): string {
  const text = `${result.stderr}\n${result.stdout}`;
  // "Error: " keeps its space from Kong; pastes and log collectors often trim it.
  const error = /^Error:(?: (.*))?$/m.exec(text);
  if (error?.[1] && error[1].trim() !== '') return withoutPositions(error[1].trim());
  if (error) {
    const after = text.slice(error.index + error[0].length).split('\n');
    const message: string[] = [];
    for (const line of after) {
      if (line.trim() === 'stack traceback:') break;
      if (line.trim() !== '') message.push(line.trim());
    }
    if (message.length > 0) return withoutPositions(message.join(' '));
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.slice(-3).join(' | ') || 'no output';
}

/**
 * Kong's words without the `<file>.lua:<line>: ` of each wrapper that passed them on
 * (cluster_mutex, kong/cmd/utils/migrations.lua, kong/cmd/start.lua): init.lua strips only the
 * first one (kong/cmd/init.lua l.32), --v none. Paths may be cut short (`...ong/luarocks/…`).
 */
function withoutPositions(message: string): string {
  return message.replace(/(?:^|(?<=: ))(?:\.\.\.|\/)?[\w./-]*\.lua:\d+: /g, '');
}

/** A migration Kong reported failing, with the subsystem it was migrating then. */
export interface FailedMigration {
  /** From the last `migrating <subsystem> on database '…'...` line before the failure (Kong/kong 3.4.2 kong/db/init.lua l.522). */
  readonly subsystem: string | undefined;
  readonly name: string;
  readonly phase: 'up' | 'up_f' | 'teardown';
  /** Kong's words after the phase, without the Lua stack traceback. */
  readonly reason: string;
}

/**
 * The failed migration in the output of `up`, `finish` or `bootstrap` (kong/db/init.lua
 * run_migrations: "failed to run migration '<name>' <phase>: <err>"), or undefined. Kong logs
 * `migrating <subsystem> on database '<db>'...` before each subsystem's migrations (stdout,
 * with a timestamp under --v), and the error goes to stderr: the subsystem is the last one
 * that stdout named.
 */
export function failedMigration(result: Pick<ExecResult, 'stdout' | 'stderr'>): FailedMigration | undefined {
  const failed = /failed to run migration '([^']+)' (up|up_f|teardown): ([^\n]*)/.exec(`${result.stderr}\n${result.stdout}`);
  if (!failed) return undefined;
  let subsystem: string | undefined;
  for (const line of result.stdout.split(/\r?\n/)) {
    const migrating = /^migrating (\S+) on /.exec(line.replace(LOG_PREFIX, '').trim());
    if (migrating) subsystem = migrating[1];
  }
  return { subsystem, name: failed[1]!, phase: failed[2] as FailedMigration['phase'], reason: failed[3]!.replace(/\s*stack traceback:.*$/, '').trim() };
}

/**
 * `core/003_100_to_110 (up)`; when Kong printed no migrating line before the failure (a
 * bootstrap's first migration, a log that lost its stdout), it says so rather than guess: the
 * same name (`000_base`) belongs to several subsystems.
 */
export function describeFailedMigration(failed: FailedMigration): string {
  return failed.subsystem === undefined
    ? `${failed.name} (${failed.phase}; Kong printed no "migrating <subsystem>" line before it, so its subsystem is not known)`
    : `${failed.subsystem}/${failed.name} (${failed.phase})`;
}

export interface StateReading {
  readonly state: MigrationState;
  /** The rows as stored; undefined: no schema_meta in the current schema. */
  readonly schemaMeta: readonly SchemaMetaRow[] | undefined;
  /**
   * Pending migrations schema_meta records that the runner's Kong can't see: of subsystems it
   * does not load (a KONG_PLUGINS mismatch: warned), or names its code doesn't ship (a newer
   * Kong ran `up`). `list` doesn't show them and Kong's `up` would not refuse them.
   */
  readonly unloadedPending: MigrationsBySubsystem;
  readonly lock: MigrationsLock | undefined;
  readonly warnings: readonly string[];
}

/** The `migrations` row of Kong's `locks` table (Kong/kong 3.4.2 kong/db/strategies/postgres/connector.lua
 * insert_lock l.669): held until `expiresAt`. */
export interface MigrationsLock {
  readonly expiresAt: string;
}

/** Both sources into one state; disagreement is an error that says what each one said. */
export function reconcileState(list: ListOutput, rows: readonly SchemaMetaRow[] | undefined): Omit<StateReading, 'lock'> {
  const disagree = (detail: string) =>
    stepError('reading the migration state', `kong migrations list and the schema_meta table disagree: ${detail}. Check that Kong and this action reach the same database and schema (pg_schema)`);
  if (list.exitCode === 3) {
    if (rows !== undefined) throw disagree('Kong says the database needs bootstrapping, but schema_meta exists');
    return { state: { kind: 'needs-bootstrap', executed: {}, pending: {}, new: list.new }, schemaMeta: undefined, unloadedPending: {}, warnings: [] };
  }
  if (rows === undefined) throw disagree(`Kong lists migrations (exit ${list.exitCode}), but there is no schema_meta table`);
  const hasPending = count(list.pending) > 0;
  const hasNew = count(list.new) > 0;
  const expected = hasPending ? 4 : hasNew ? 5 : 0;
  if (expected !== list.exitCode) {
    throw stepError('reading the migration state', `kong migrations list exited ${list.exitCode} but printed ${hasPending ? 'pending' : 'no pending'} and ${hasNew ? 'new' : 'no new'} migrations (expected exit ${expected})`);
  }
  const byName = new Map(rows.map((row) => [row.subsystem, row]));
  for (const [subsystem, names] of Object.entries(list.pending)) {
    const stored = byName.get(subsystem)?.pending ?? [];
    const missing = names.filter((name) => !stored.includes(name));
    if (missing.length > 0) throw disagree(`${subsystem}: ${missing.join(', ')} listed as pending but not pending in schema_meta`);
  }
  for (const [subsystem, names] of Object.entries(list.executed)) {
    const stored = byName.get(subsystem)?.executed ?? [];
    const missing = names.filter((name) => !stored.includes(name));
    if (missing.length > 0) throw disagree(`${subsystem}: ${missing.join(', ')} listed as executed but not executed in schema_meta`);
  }
  const known = new Set([...Object.keys(list.executed), ...Object.keys(list.pending), ...Object.keys(list.new)]);
  const unloadedPending: Record<string, string[]> = {};
  const unknownPending: Record<string, string[]> = {};
  const warnings: string[] = [];
  for (const row of rows) {
    // After bootstrap or finish, `pending` is an empty array, not NULL (connector.lua record_migration, 3.4.2 l.893).
    if (row.pending.length === 0) continue;
    if (!known.has(row.subsystem)) {
      unloadedPending[row.subsystem] = [...row.pending];
      continue;
    }
    // Kong ignores names its code doesn't ship (state.lua step 4): a pending name no list shows
    // belongs to a newer Kong than this one. A name it ships must show as pending.
    const listedAnywhere = new Set([...(list.executed[row.subsystem] ?? []), ...(list.pending[row.subsystem] ?? []), ...(list.new[row.subsystem] ?? [])]);
    const newer = row.pending.filter((name) => !listedAnywhere.has(name));
    if (newer.length > 0) unknownPending[row.subsystem] = newer;
    const wrong = row.pending.filter((name) => listedAnywhere.has(name) && !(list.pending[row.subsystem] ?? []).includes(name));
    if (wrong.length > 0) throw disagree(`${row.subsystem}: ${wrong.join(', ')} pending in schema_meta but not listed as pending`);
  }
  if (Object.keys(unloadedPending).length > 0) {
    warnings.push(`schema_meta records pending migrations of subsystems this Kong does not load (${describeMigrations(unloadedPending)}): is \`plugins\` the same list as the runtime nodes' KONG_PLUGINS?`);
  }
  for (const [subsystem, names] of Object.entries(unknownPending)) unloadedPending[subsystem] = names;
  const kind: MigrationStateKind = hasPending && hasNew ? 'pending-and-new' : hasPending ? 'pending' : hasNew ? 'new' : 'up-to-date';
  return { state: { kind, executed: list.executed, pending: list.pending, new: list.new }, schemaMeta: rows, unloadedPending, warnings };
}

/** The live `migrations` lock, if another node (or a killed run) holds one. */
export async function readMigrationsLock(client: Queryable): Promise<MigrationsLock | undefined> {
  const exists = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'locks') AS found`,
  );
  if (!exists.rows[0]?.found) return undefined;
  // connector.lua read_lock (3.4.2 l.704): a row counts while ttl >= now.
  const result = await client.query<{ expires: string }>(
    `SELECT to_char(ttl AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires
       FROM locks WHERE key = 'migrations' AND ttl >= CURRENT_TIMESTAMP LIMIT 1`,
  );
  const row = result.rows[0];
  return row === undefined ? undefined : { expiresAt: row.expires };
}

export function count(migrations: MigrationsBySubsystem): number {
  return Object.values(migrations).reduce((total, names) => total + names.length, 0);
}

/** `core: 016_280_to_300; http-log: 001_280_to_300` */
export function describeMigrations(migrations: MigrationsBySubsystem): string {
  const parts = Object.entries(migrations).filter(([, names]) => names.length > 0).map(([subsystem, names]) => `${subsystem}: ${names.join(', ')}`);
  return parts.length === 0 ? 'none' : parts.join('; ');
}

/** One line: `pending (2 pending: core: 016_280_to_300; http-log: 001_280_to_300)`. */
export function describeState(state: MigrationState): string {
  switch (state.kind) {
    case 'needs-bootstrap':
      return 'needs-bootstrap (no schema_meta table)';
    case 'up-to-date':
      return `up-to-date (${count(state.executed)} executed)`;
    case 'new':
      return `new (${count(state.new)} new: ${describeMigrations(state.new)})`;
    case 'pending':
      return `pending (${count(state.pending)} pending: ${describeMigrations(state.pending)})`;
    case 'pending-and-new':
      return `pending-and-new (${count(state.pending)} pending: ${describeMigrations(state.pending)}; ${count(state.new)} new: ${describeMigrations(state.new)})`;
  }
}

/** The `state-before` / `state-after` output. */
export function stateJson(state: MigrationState): string {
  return JSON.stringify({ schema: MIGRATION_STATE_SCHEMA, kind: state.kind, executed: state.executed, pending: state.pending, new: state.new });
}
