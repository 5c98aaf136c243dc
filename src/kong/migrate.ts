import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PLAN_SCHEMA, type UpgradePlan } from '../changelog/plan-types.js';
import { verifyBackupFiles } from '../database/backup-files.js';
import type { BackupManifest } from '../database/manifest.js';
import { withClient, type DatabaseTarget } from '../database/postgres/connect.js';
import { readIdentity } from '../database/postgres/dump.js';
import { sameDatabase } from '../database/postgres/restore.js';
import { fingerprintDifferences, verifyBackup } from '../database/postgres/verify.js';
import { assertFingerprintComputable } from '../database/postgres/fingerprint.js';
import { inputError, stepError, UpgradeError } from '../lib/errors.js';
import type { ExecResult } from '../lib/exec.js';
import { postgresSupport } from '../version/catalog.js';
import {
  compareKongVersions,
  editionOf,
  formatKongVersion,
  parseKongVersion,
  releaseLine,
  tryParseKongVersion,
  type KongVersion,
} from '../version/kong-version.js';
import { teardownsBetween } from '../version/teardown-migrations.js';
import { planUpgradePath } from '../version/upgrade-path.js';
import { kongDatabaseEnvironment } from './kong-env.js';
import {
  count,
  describeMigrations,
  describeState,
  kongError,
  parseMigrationsList,
  readMigrationsLock,
  reconcileState,
  reportsAnotherNode,
  type MigrationsBySubsystem,
  type MigrationState,
  type StateReading,
} from './migration-state.js';
import { binaryRunner } from './runners/binary.js';
import { imageReferenceProblem, imageRunner } from './runners/image.js';
import { kubernetesRunner } from './runners/kubernetes.js';
import type { KongRunner } from './runners/types.js';
import { kongLineFromSchemaMeta, readSchemaMeta, type SchemaMetaRow } from './schema-meta.js';
import { judgeSmokeReport, readSmokeReport } from './smoke-gate.js';

/**
 * The migrate domain: Kong's two-phase migrations (`up`, then once the new nodes are validated
 * `finish`; runbook steps 7 and 13), gated and hop by hop. Every Kong command is preceded and
 * followed by a state read (migration-state.ts), so each step knows where the database stands
 * and can say exactly what happened. Facts: ../shared/kong-facts/migrations-cli.md.
 */

export const MIGRATE_COMMANDS = ['list', 'check', 'up', 'finish', 'bootstrap', 'up-and-finish'] as const;
export type MigrateCommand = (typeof MIGRATE_COMMANDS)[number];

/** `{version}` in a path or image is replaced by each hop's version. */
export const VERSION_PLACEHOLDER = '{version}';

export type RunnerRequest =
  | { readonly kind: 'binary'; readonly kongPath: string }
  | { readonly kind: 'image'; readonly image: string; readonly network: string | undefined; readonly docker: string }
  | {
      readonly kind: 'kubernetes';
      readonly image: string;
      readonly kubectl: string;
      readonly context: string | undefined;
      readonly namespace: string;
      readonly passwordSecret: { readonly name: string; readonly key: string } | undefined;
      readonly serviceAccount: string | undefined;
      /** The database host as the pods see it, when it differs from the one this action reaches. */
      readonly pgHost: string | undefined;
      readonly imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
      readonly startTimeoutMs: number;
    };

/** What the backup gate checks of the archive, beyond the database matching the manifest. */
export const GATE_VERIFY = ['checksums', 'trial-restore'] as const;
export type GateVerify = (typeof GATE_VERIFY)[number];

export type BackupGate =
  | {
      readonly kind: 'manifest';
      readonly path: string;
      readonly allowChangesAfterBackup: boolean;
      /**
       * `checksums`: every archive file is there with its size and SHA-256 (streamed);
       * `trial-restore`: that, and the archive restored into a scratch database on this server
       * whose fingerprint must equal the manifest's (backup-db's verify).
       */
      readonly verify: GateVerify;
    }
  /** `allow-without-backup: true`. */
  | { readonly kind: 'waived' }
  | { readonly kind: 'none' };

export type SmokeGate =
  /** `maxAgeMs`: `smoke-report-max-age`, how old a report finish still accepts. */
  | { readonly kind: 'report'; readonly path: string; readonly maxAgeMs: number }
  /** `allow-finish-without-smoke-report: true`. */
  | { readonly kind: 'waived' }
  | { readonly kind: 'none' };

export interface MigrateRequest {
  readonly command: MigrateCommand;
  readonly runner: RunnerRequest;
  /** The target version (`kong-version`); undefined: from the plan, the image tag or `kong version`. */
  readonly version: KongVersion | undefined;
  readonly database: DatabaseTarget;
  /** The user's kong.conf (binary and image runners): `-c`, and `kong check` for `check`. */
  readonly kongConf: string | undefined;
  readonly plugins: readonly string[] | undefined;
  readonly lockTimeoutSeconds: number;
  readonly dbTimeoutSeconds: number;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly render: boolean;
  readonly backup: BackupGate;
  readonly smoke: SmokeGate;
  readonly plan: { readonly path: string; readonly plan: UpgradePlan } | undefined;
}

export interface MigrateLog {
  info(line: string): void;
  warning(line: string): void;
}

/** One migration a Kong command reported, with the time its line took to appear. */
export interface MigrationRun {
  readonly hop: string;
  readonly command: 'up' | 'finish' | 'bootstrap';
  readonly subsystem: string;
  readonly name: string;
  /** `pending`: `up` ran its up part and its teardown waits for `finish` (db/init.lua l.607). */
  readonly result: 'executed' | 'pending';
  readonly seconds: number;
}

export interface KongCommandReport {
  readonly hop: string;
  readonly command: 'up' | 'finish' | 'bootstrap';
  readonly exitCode: number;
  readonly seconds: number;
  readonly stateAfter: MigrationState;
}

/** What a dry run found for one hop. */
export interface HopPreview {
  readonly version: string;
  readonly upWouldRun: MigrationsBySubsystem;
  /** Migrations `finish` would complete after this hop's `up` (teardown steps). */
  readonly finishWork: MigrationsBySubsystem;
}

export type CheckStatus = 'pass' | 'fail' | 'warning';
export interface PreflightCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface MigrateResult {
  readonly command: MigrateCommand;
  readonly outcome: 'succeeded' | 'failed' | 'nothing-to-do' | 'dry-run' | 'rendered';
  /** The error to fail with, once the outputs are written. */
  readonly failure: UpgradeError | undefined;
  readonly hops: readonly string[];
  readonly stateBefore: MigrationState | undefined;
  readonly stateAfter: MigrationState | undefined;
  readonly executed: readonly MigrationRun[];
  readonly commands: readonly KongCommandReport[];
  readonly previews: readonly HopPreview[];
  readonly checks: readonly PreflightCheck[];
  readonly rendered: readonly { readonly title: string; readonly text: string }[];
  readonly warnings: readonly string[];
  /** What to do next, one paragraph. */
  readonly next: string;
}

const ROLLBACK =
  'Rollback path: restore the backup taken before this upgrade (backup-db with mode: restore) and start the old version on it. ' +
  "`kong migrations down` is no rollback: Kong 1.0+ has no down migrations. Don't re-run the failed command blindly: " +
  'a migration that ran part-way can run twice (Kong/kong#12978).';

interface Hop {
  /** The version that runs this hop's commands. */
  readonly version: KongVersion;
  readonly label: string;
  readonly runner: KongRunner;
}

/** Everything one run accumulates; turned into the result, also when it fails part-way. */
class Session {
  stateBefore: MigrationState | undefined;
  stateAfter: MigrationState | undefined;
  readonly executed: MigrationRun[] = [];
  readonly commands: KongCommandReport[] = [];
  readonly previews: HopPreview[] = [];
  readonly checks: PreflightCheck[] = [];
  readonly rendered: { title: string; text: string }[] = [];
  readonly warnings: string[] = [];
  hops: string[] = [];
  next = '';
  constructor(readonly log: MigrateLog) {}
  warn(line: string): void {
    this.warnings.push(line);
    this.log.warning(line);
  }
  result(command: MigrateCommand, outcome: MigrateResult['outcome'], failure?: UpgradeError): MigrateResult {
    return {
      command,
      outcome,
      failure,
      hops: this.hops,
      stateBefore: this.stateBefore,
      stateAfter: this.stateAfter,
      executed: this.executed,
      commands: this.commands,
      previews: this.previews,
      checks: this.checks,
      rendered: this.rendered,
      warnings: this.warnings,
      next: this.next,
    };
  }
}

/**
 * Runs the request. Input and gate errors before anything changed are thrown; once a Kong
 * command has run, a failure comes back in `failure` with the state after it, so the adapter
 * can still publish `state-after` and the summary.
 */
export async function migrate(request: MigrateRequest, log: MigrateLog): Promise<MigrateResult> {
  validateRequest(request);
  const session = new Session(log);
  if (request.force) {
    session.warn(
      'force is on: `kong migrations up -f` re-runs every executed migration and skips Kong\'s own pending-migrations guard, and this action skips its refusal of pending migrations too. Use it only for what Kong documents it for (plugins added to an existing database).',
    );
  }
  if (request.plugins === undefined) {
    session.warn('plugins is not set: Kong migrates the subsystems of its default plugin list (`bundled`, or the kong.conf\'s). It must be the same list as the runtime nodes\' KONG_PLUGINS, custom plugins included.');
  }
  const hops = await resolveHops(request, session);
  session.hops = hops.map((hop) => hop.label);

  if (request.render) return renderOnly(request, hops, session);

  try {
    switch (request.command) {
      case 'list':
        return await listCommand(request, hops, session);
      case 'check':
        return await checkCommand(request, hops, session);
      case 'bootstrap':
        return await bootstrapCommand(request, hops, session);
      case 'up':
        return await upCommand(request, hops, session);
      case 'finish':
        return await finishCommand(request, hops, session);
      case 'up-and-finish':
        return await upAndFinishCommand(request, hops, session);
    }
  } catch (error) {
    // Refusals before any Kong command changed something are plain errors; after one ran, the
    // state after is part of the answer.
    if (error instanceof UpgradeError && session.commands.length > 0) return session.result(request.command, 'failed', error);
    throw error;
  }
}

function validateRequest(request: MigrateRequest): void {
  if (request.runner.kind !== 'binary') {
    const problem = imageReferenceProblem(request.runner.image, VERSION_PLACEHOLDER);
    if (problem !== undefined) throw inputError('image', problem);
  }
  if (request.runner.kind === 'kubernetes' && request.kongConf !== undefined) {
    throw inputError('kong-conf', 'is not supported with runner: kubernetes; give the settings as inputs (the Job gets them as KONG_* env, as the Helm chart does)');
  }
  if (request.runner.kind === 'kubernetes' && request.database.db.password !== undefined && request.runner.passwordSecret === undefined) {
    throw inputError('kubernetes-password-secret', 'is required with runner: kubernetes when the database has a password: the Job reads KONG_PG_PASSWORD from that Secret (name/key); a password is never written into a manifest');
  }
  if (request.plan !== undefined && request.version !== undefined) {
    const planTo = parseKongVersion(request.plan.plan.to, 'plan-json');
    if (compareKongVersions(planTo, request.version) !== 0) {
      throw inputError('kong-version', `is ${formatKongVersion(request.version)} but the plan (${request.plan.path}) goes to ${request.plan.plan.to}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hops and runners

async function resolveHops(request: MigrateRequest, session: Session): Promise<Hop[]> {
  const runnerTemplate = request.runner.kind === 'binary' ? request.runner.kongPath : request.runner.image;
  const templated = runnerTemplate.includes(VERSION_PLACEHOLDER);
  if (request.plan !== undefined) {
    const plan = request.plan.plan;
    if (plan.hops.length === 0) throw inputError('plan-json', `${request.plan.path} has no hops (${plan.from} → ${plan.to} needs no migration)`);
    const versions = plan.hops.map((hop) => parseKongVersion(hop.to, 'plan-json'));
    if (versions.length > 1 && !templated) {
      throw inputError(
        request.runner.kind === 'binary' ? 'kong-path' : 'image',
        `the plan has ${versions.length} hops (${plan.hops.map((h) => `${h.from} → ${h.to}`).join(', ')}), each run by its own Kong version: put ${VERSION_PLACEHOLDER} in it (e.g. ${request.runner.kind === 'binary' ? '/opt/kong-{version}/bin/kong' : 'kong:{version}'})`,
      );
    }
    return versions.map((version) => makeHop(request, version, templated ? runnerTemplate.replaceAll(VERSION_PLACEHOLDER, formatKongVersion(version)) : runnerTemplate));
  }
  let version = request.version;
  if (version === undefined && request.runner.kind !== 'binary') {
    const tag = /:([^:/@]+)$/.exec(request.runner.image)?.[1];
    version = tag === undefined ? undefined : tryParseKongVersion(tag);
    if (version === undefined) throw inputError('kong-version', `is required: the image ${request.runner.image} has no version tag to read it from`);
  }
  if (templated && version === undefined) throw inputError('kong-version', `is required when kong-path contains ${VERSION_PLACEHOLDER}`);
  const resolved = templated && version !== undefined ? runnerTemplate.replaceAll(VERSION_PLACEHOLDER, formatKongVersion(version)) : runnerTemplate;
  if (version === undefined) {
    // A binary without a stated version: ask it (kong/cmd/version.lua prints the bare version;
    // Enterprise prints `Kong Enterprise <version>`).
    const probe = makeHop(request, parseKongVersion('0.0.0'), resolved);
    version = await kongVersionOf(probe.runner);
    session.log.info(`${resolved} is Kong ${formatKongVersion(version)}`);
  }
  return [makeHop(request, version, resolved)];
}

function makeHop(request: MigrateRequest, version: KongVersion, where: string): Hop {
  const env = kongDatabaseEnvironment(request.database.db, request.plugins === undefined ? {} : { plugins: request.plugins });
  const label = formatKongVersion(version);
  const suffix = randomBytes(3).toString('hex');
  // Unique per run: a Job (or container) name can't be reused while the last one is kept.
  let serial = 0;
  const nameFor = (purpose: string) => `kong-${label.replace(/\./g, '-')}-${purpose}-${suffix}${(serial++).toString(36)}`.slice(0, 63).replace(/-+$/, '');
  const runner = request.runner;
  switch (runner.kind) {
    case 'binary':
      return { version, label, runner: binaryRunner({ kongPath: where, env, confFile: request.kongConf }) };
    case 'image':
      return { version, label, runner: imageRunner({ docker: runner.docker, image: where, network: runner.network, env, confFile: request.kongConf }, nameFor) };
    case 'kubernetes': {
      const podEnv = runner.pgHost === undefined ? env : { ...env, KONG_PG_HOST: runner.pgHost };
      return {
        version,
        label,
        runner: kubernetesRunner(
          {
            kubectl: runner.kubectl,
            context: runner.context,
            namespace: runner.namespace,
            image: where,
            imagePullPolicy: runner.imagePullPolicy,
            env: podEnv,
            passwordSecret: runner.passwordSecret,
            serviceAccount: runner.serviceAccount,
            startTimeoutMs: runner.startTimeoutMs,
            ttlSecondsAfterFinished: 86_400,
          },
          nameFor,
        ),
      };
    }
  }
}

async function kongVersionOf(runner: KongRunner): Promise<KongVersion> {
  const result = await runner.run(['version'], { purpose: 'version' });
  const text = result.stdout.trim().split('\n').pop() ?? '';
  const version = tryParseKongVersion(text.replace(/^Kong( Enterprise)?:? /, ''));
  if (result.exitCode !== 0 || version === undefined) {
    throw stepError(`kong version (${runner.describe()})`, `exited ${result.exitCode} with ${JSON.stringify(text || kongError(result))}; is it Kong?`);
  }
  return version;
}

/** A binary must be the hop's version: running 3.9 code where 3.4 was planned skips a hop. */
async function verifyBinaryVersion(hop: Hop): Promise<void> {
  if (hop.runner.kind !== 'binary') return;
  const actual = await kongVersionOf(hop.runner);
  if (compareKongVersions(actual, hop.version) !== 0) {
    throw inputError('kong-path', `${hop.runner.describe()} is Kong ${formatKongVersion(actual)}, but this step needs ${hop.label}`);
  }
}

/** The common flags: `--db-timeout` always (from 3.7 an absent flag means pg_timeout, 5 s: PR #12761), `--lock-timeout`, `-c`. */
function migrationArgs(request: MigrateRequest, hop: Hop, sub: 'list' | 'up' | 'finish' | 'bootstrap', force = false): string[] {
  const args = ['migrations', sub, '--db-timeout', String(request.dbTimeoutSeconds), '--lock-timeout', String(request.lockTimeoutSeconds)];
  if (force) args.push('--force');
  if (hop.runner.confPath !== undefined) args.push('-c', hop.runner.confPath);
  return args;
}

// ---------------------------------------------------------------------------------------------
// State

async function readState(request: MigrateRequest, hop: Hop, session: Session, emit = true): Promise<StateReading> {
  const result = await hop.runner.run(migrationArgs(request, hop, 'list'), { purpose: 'list' });
  const list = parseMigrationsList(result);
  const db = await withClient(request.database, 'reading schema_meta', async (client) => ({
    rows: await readSchemaMeta(client),
    lock: await readMigrationsLock(client),
  }));
  const reading = { ...reconcileState(list, db.rows), lock: db.lock };
  if (emit) emitWarnings(reading, session);
  return reading;
}

function emitWarnings(reading: StateReading, session: Session): void {
  for (const warning of reading.warnings) if (!session.warnings.includes(warning)) session.warn(warning);
}

/**
 * With a plan, the hop the database is at: the first whose Kong does not see it up to date.
 * Kong ignores executed names its code doesn't know (state.lua), so an older hop's Kong reads
 * a database migrated further as up to date.
 */
async function currentHop(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<{ index: number; reading: StateReading }> {
  let last: StateReading | undefined;
  for (const [index, hop] of hops.entries()) {
    // An older hop's Kong can't see a newer plugin's rows: only the chosen hop's warnings count.
    const reading = await readState(request, hop, session, false);
    if (reading.state.kind !== 'up-to-date' || index === hops.length - 1) {
      emitWarnings(reading, session);
      return { index, reading };
    }
    last = reading;
  }
  return { index: hops.length - 1, reading: last! };
}

// ---------------------------------------------------------------------------------------------
// Commands

async function listCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const { index, reading } = await currentHop(request, hops, session);
  session.stateBefore = reading.state;
  session.stateAfter = reading.state;
  session.next = nextStep(reading, hops, index);
  session.log.info(`State with Kong ${hops[index]!.label}: ${describeState(reading.state)}`);
  return session.result('list', 'succeeded');
}

async function bootstrapCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const hop = hops[hops.length - 1]!;
  await verifyBinaryVersion(hop);
  const reading = await readState(request, hop, session);
  session.stateBefore = reading.state;
  if (reading.state.kind !== 'needs-bootstrap') {
    // Kong would print `Database already bootstrapped` and exit 0; `bootstrap -f` would reset
    // (drop) the database first (cmd/migrations.lua l.177-182). Neither is offered.
    throw stepError('bootstrap', `refused: the database is already bootstrapped (${describeState(reading.state)}). bootstrap is for a new, empty database; to upgrade use up/finish. reset is not offered by this action`);
  }
  if (request.dryRun) {
    session.previews.push({ version: hop.label, upWouldRun: reading.state.new, finishWork: {} });
    session.stateAfter = reading.state;
    session.next = `Dry run: bootstrap would create Kong ${hop.label}'s schema${count(reading.state.new) > 0 ? ` and run ${count(reading.state.new)} migrations` : ''}.`;
    return session.result('bootstrap', 'dry-run');
  }
  await runKongCommand(request, hop, 'bootstrap', session);
  const after = session.stateAfter!;
  if (after.kind !== 'up-to-date') throw stepError('bootstrap', `Kong reported success but the database is ${describeState(after)}`);
  session.next = `Database bootstrapped for Kong ${hop.label}; start the nodes.`;
  return session.result('bootstrap', 'succeeded');
}

async function upCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const { index, reading } = await currentHop(request, hops, session);
  const hop = hops[index]!;
  session.stateBefore = reading.state;
  session.stateAfter = reading.state;
  refuseUnsafeUp(request, reading, hop, session);
  await refuseMultiHopWithoutPlan(request, hops, session);
  if (reading.state.kind === 'up-to-date') {
    session.next = nextStep(reading, hops, index);
    session.log.info(`Nothing to migrate: the database is up to date for Kong ${hop.label}.`);
    return session.result('up', 'nothing-to-do');
  }
  if (request.dryRun) {
    await previewHops(request, hops.slice(index, index + 1), reading, session);
    await backupGate(request, session, 'dry-run');
    session.next = `Dry run: \`up\` with Kong ${hop.label} would run ${count(reading.state.new)} migration(s); nothing was changed.`;
    return session.result('up', 'dry-run');
  }
  await verifyBinaryVersion(hop);
  await backupGate(request, session, 'enforce');
  await runKongCommand(request, hop, 'up', session);
  const after = session.stateAfter!;
  if (after.kind === 'new' || after.kind === 'pending-and-new') {
    throw stepError(`kong migrations up (Kong ${hop.label})`, `Kong reported success but new migrations remain: ${describeState(after)}`);
  }
  session.next = after.kind === 'pending'
    ? `\`up\` done for Kong ${hop.label}; ${count(after.pending)} migration(s) wait for \`finish\`. Start and validate the new nodes (smoke-test), then run \`finish\` with the smoke report. Until then the old nodes keep working; after it they cannot.`
    : nextStep({ ...reading, state: after }, hops, index);
  return session.result('up', 'succeeded');
}

async function finishCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const { index, reading } = await currentHop(request, hops, session);
  const hop = hops[index]!;
  session.stateBefore = reading.state;
  session.stateAfter = reading.state;
  if (reading.state.kind === 'needs-bootstrap') throw stepError('finish', 'refused: the database needs bootstrapping; there is nothing to finish');
  if (reading.state.kind === 'up-to-date' || reading.state.kind === 'new') {
    session.next = nextStep(reading, hops, index);
    session.log.info(`No pending migrations to finish (${describeState(reading.state)}).`);
    return session.result('finish', 'nothing-to-do');
  }
  if (request.dryRun) {
    session.previews.push({ version: hop.label, upWouldRun: {}, finishWork: reading.state.pending });
    await smokeGate(request, hop, session, 'dry-run');
    session.next = `Dry run: \`finish\` with Kong ${hop.label} would complete ${count(reading.state.pending)} migration(s); nothing was changed.`;
    return session.result('finish', 'dry-run');
  }
  await smokeGate(request, hop, session, 'enforce');
  await verifyBinaryVersion(hop);
  await runKongCommand(request, hop, 'finish', session, request.force);
  const after = session.stateAfter!;
  if (after.kind === 'pending' || after.kind === 'pending-and-new') {
    throw stepError(`kong migrations finish (Kong ${hop.label})`, `Kong reported success but migrations are still pending: ${describeState(after)}`);
  }
  session.next = nextStep({ ...reading, state: after }, hops, index);
  return session.result('finish', 'succeeded');
}

/**
 * Every hop in order, each hop's `up` and `finish` with that hop's version, the state re-read
 * between them: the in-place strategy (old nodes stopped), and the dual-cluster strategy on
 * the copied database. No node of the new version serves this database until the walk ends,
 * so the smoke gate of `finish` does not apply between hops.
 */
async function upAndFinishCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const start = await currentHop(request, hops, session);
  session.stateBefore = start.reading.state;
  session.stateAfter = start.reading.state;
  refuseUnsafeUp(request, start.reading, hops[start.index]!, session);
  await refuseMultiHopWithoutPlan(request, hops, session);
  if (start.reading.state.kind === 'up-to-date') {
    session.next = `Nothing to migrate: the database is up to date for Kong ${hops[hops.length - 1]!.label}.`;
    return session.result('up-and-finish', 'nothing-to-do');
  }
  if (request.dryRun) {
    await previewHops(request, hops.slice(start.index), start.reading, session);
    await backupGate(request, session, 'dry-run');
    session.next = `Dry run: ${hops.length - start.index} hop(s) would run (${hops.slice(start.index).map((h) => h.label).join(' → ')}); nothing was changed.`;
    return session.result('up-and-finish', 'dry-run');
  }
  await backupGate(request, session, 'enforce');
  let reading = start.reading;
  for (let i = start.index; i < hops.length; i++) {
    const hop = hops[i]!;
    if (i > start.index) {
      reading = await readState(request, hop, session);
      session.stateAfter = reading.state;
      if (reading.state.kind === 'up-to-date') {
        session.log.info(`Hop ${i + 1}/${hops.length}: Kong ${hop.label} has no migrations for this database`);
        continue;
      }
      refuseUnsafeUp(request, reading, hop, session);
    }
    session.log.info(`Hop ${i + 1}/${hops.length}: Kong ${hop.label} (${describeState(reading.state)})`);
    await verifyBinaryVersion(hop);
    await runKongCommand(request, hop, 'up', session);
    if (session.stateAfter!.kind === 'pending') await runKongCommand(request, hop, 'finish', session);
    const after = session.stateAfter!;
    if (after.kind !== 'up-to-date') throw stepError(`hop to Kong ${hop.label}`, `after up and finish the database is ${describeState(after)}`);
  }
  session.next = `The database is migrated to Kong ${hops[hops.length - 1]!.label} (${hops.length - start.index} hop(s)); old-version nodes can no longer use it. Start the new nodes and smoke-test them.`;
  return session.result('up-and-finish', 'succeeded');
}

async function checkCommand(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<MigrateResult> {
  const hop = hops[hops.length - 1]!;
  const add = (check: PreflightCheck) => {
    session.checks.push(check);
    (check.status === 'fail' ? session.log.warning : session.log.info)(`check ${check.name}: ${check.status}: ${check.detail}`);
  };
  // kong.conf with the target version: Kong 3.x rejects some 2.x values (kong/cmd/check.lua).
  if (request.kongConf !== undefined) {
    const result = await hop.runner.run(['check', hop.runner.confPath ?? request.kongConf], { purpose: 'check' });
    const errors = `${result.stderr}\n${result.stdout}`.split('\n').filter((l) => /\[error\]/.test(l)).map((l) => l.replace(/^.*\[error\] /, ''));
    add(result.exitCode === 0
      ? { name: 'kong-conf', status: 'pass', detail: `Kong ${hop.label}: ${result.stdout.trim()}` }
      : { name: 'kong-conf', status: 'fail', detail: `Kong ${hop.label} rejects ${request.kongConf}: ${errors.join('; ') || kongError(result)}` });
  } else {
    add({ name: 'kong-conf', status: 'warning', detail: 'no kong-conf given: the configuration was not checked against the target version' });
  }
  // The plugin list resolves when Kong can load every plugin's migrations: `list` loads them all.
  try {
    const reading = await readState(request, hop, session);
    session.stateBefore = reading.state;
    session.stateAfter = reading.state;
    add({ name: 'plugins', status: 'pass', detail: `Kong ${hop.label} loads ${request.plugins === undefined ? 'its default plugins' : request.plugins.join(',')}; state: ${describeState(reading.state)}` });
    if (Object.keys(reading.unloadedPending).length > 0) {
      add({ name: 'plugins-match', status: 'fail', detail: `pending migrations of plugins this list does not load: ${describeMigrations(reading.unloadedPending)}` });
    }
  } catch (error) {
    add({ name: 'plugins', status: 'fail', detail: error instanceof Error ? error.message : String(error) });
  }
  // PostgreSQL inside the target's supported range (kong/constants.lua: 9.5 minimum; tested list per line).
  const server = await withClient(request.database, 'reading the PostgreSQL version', async (client) =>
    (await client.query<{ num: string }>("SELECT current_setting('server_version_num') AS num")).rows[0]?.num ?? '0');
  const major = Math.floor(Number(server) / 10000);
  const support = postgresSupport(releaseLine(hop.version));
  if (Number(server) < 90500) add({ name: 'postgres', status: 'fail', detail: `PostgreSQL ${server} is below Kong's minimum 9.5` });
  else if (support === undefined) add({ name: 'postgres', status: 'warning', detail: `PostgreSQL ${major}: Kong publishes no tested list for ${releaseLine(hop.version)}` });
  else if (major < support.minimum) add({ name: 'postgres', status: 'fail', detail: `PostgreSQL ${major} is below the lowest version Kong ${releaseLine(hop.version)} is tested on (${support.tested.join(', ')})` });
  else if (!support.tested.includes(major)) add({ name: 'postgres', status: 'warning', detail: `PostgreSQL ${major} is not in Kong ${releaseLine(hop.version)}'s tested list (${support.tested.join(', ')})` });
  else add({ name: 'postgres', status: 'pass', detail: `PostgreSQL ${major} is tested with Kong ${releaseLine(hop.version)}` });

  const failed = session.checks.filter((c) => c.status === 'fail');
  session.next = failed.length === 0 ? 'Preflight passed.' : `Fix: ${failed.map((c) => c.name).join(', ')}.`;
  if (failed.length > 0) return session.result('check', 'failed', stepError('preflight check', failed.map((c) => `${c.name}: ${c.detail}`).join('; ')));
  return session.result('check', 'succeeded');
}

function renderOnly(request: MigrateRequest, hops: readonly Hop[], session: Session): MigrateResult {
  const commands: ('list' | 'up' | 'finish' | 'bootstrap')[] =
    request.command === 'up-and-finish' ? ['up', 'finish'] : request.command === 'check' ? ['list'] : [request.command];
  for (const hop of hops) {
    // check runs `kong check <conf>` first when a conf is given (runCheck): shown the same way.
    if (request.command === 'check' && request.kongConf !== undefined) {
      session.rendered.push({ title: `kong check (Kong ${hop.label}, ${hop.runner.kind})`, text: hop.runner.render(['check', hop.runner.confPath ?? request.kongConf], 'check') });
    }
    for (const command of commands) {
      session.rendered.push({ title: `kong migrations ${command} (Kong ${hop.label}, ${hop.runner.kind})`, text: hop.runner.render(migrationArgs(request, hop, command), command) });
    }
  }
  session.next = 'Rendered only: nothing ran. The gates (backup, smoke report, state) are checked when the action runs them.';
  return session.result(request.command, 'rendered');
}

// ---------------------------------------------------------------------------------------------
// Gates

/** `up` refuses what Kong would refuse or do wrong, before anything runs. */
function refuseUnsafeUp(request: MigrateRequest, reading: StateReading, hop: Hop, session: Session): void {
  const state = reading.state;
  if (state.kind === 'needs-bootstrap') {
    throw stepError('up', 'refused: the database is not bootstrapped (no schema_meta). For a new installation run command: bootstrap; to upgrade, point the action at the existing database (and schema)');
  }
  const pending = state.kind === 'pending' || state.kind === 'pending-and-new';
  const unloaded = Object.keys(reading.unloadedPending).length > 0;
  if (!pending && !unloaded) return;
  const what = pending ? describeMigrations(state.pending) : describeMigrations(reading.unloadedPending);
  if (request.force) {
    session.warn(`force: running up although migrations of an earlier upgrade are pending (${what})`);
    return;
  }
  throw stepError(
    'up',
    `refused: pending migrations of an earlier upgrade remain (${what}). Finish them first (command: finish with the Kong version that ran that up) or roll back by restoring the backup; Kong itself refuses too ("Database has pending migrations; run 'kong migrations finish'", Kong/charts#92). This run would use Kong ${hop.label}`,
  );
}

/**
 * Without a plan, a single version: refuse when the database is more than one supported hop
 * away (its core migrations tell its release line: schema-meta.ts), listing the hops.
 */
async function refuseMultiHopWithoutPlan(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<void> {
  if (request.plan !== undefined || hops.length !== 1) return;
  const rows = await withClient(request.database, 'reading schema_meta', (client) => readSchemaMeta(client));
  if (rows === undefined) return;
  const line = kongLineFromSchemaMeta(rows);
  const from = line === undefined ? undefined : tryParseKongVersion(`${line}.0`);
  const target = hops[0]!.version;
  if (from === undefined || compareKongVersions(from, target) >= 0) return;
  let path;
  try {
    path = planUpgradePath(from, target, { edition: editionOf(target), deployment: 'traditional' });
  } catch (error) {
    session.warn(`could not check the upgrade path ${line} → ${hops[0]!.label}: ${(error as Error).message}`);
    return;
  }
  if (path.length > 1) {
    const list = path.map((h) => `${formatKongVersion(h.from)} → ${formatKongVersion(h.to)}`).join(', ');
    throw inputError('plan-json', `the database is at Kong ${line} and ${hops[0]!.label} is ${path.length} hops away (${list}); give the plan (fetch-changelog's plan-json) so each hop runs with its own version`);
  }
}

async function backupGate(request: MigrateRequest, session: Session, mode: 'enforce' | 'dry-run'): Promise<void> {
  const refuse = (detail: string) => {
    if (mode === 'dry-run') session.warn(`backup gate would refuse: ${detail}`);
    else throw stepError('backup gate', detail);
  };
  const gate = request.backup;
  if (gate.kind === 'waived') {
    session.warn('allow-without-backup is true: migrating without a verified backup; the only rollback is a backup you took yourself.');
    return;
  }
  if (gate.kind === 'none') {
    return refuse('no backup manifest: give backup-manifest (the manifest.json backup-db wrote for this database), or set allow-without-backup: true');
  }
  // The archive before anything else: a manifest without the files it lists is no rollback point.
  let manifest: BackupManifest;
  try {
    manifest = (await verifyBackupFiles(gate.path, 'backup-manifest', { log: (line) => session.log.info(`backup gate: ${line}`) })).manifest;
  } catch (error) {
    if (mode === 'dry-run' && error instanceof UpgradeError) return session.warn(`backup gate would refuse: ${error.message}`);
    throw error;
  }
  const live = await withClient(request.database, 'reading the database identity', (client) => readIdentity(client, request.database));
  if (!sameDatabase(manifest.database, live.database)) {
    return refuse(
      `the manifest ${gate.path} is of another database: ${describeIdentity(manifest.database)}, this is ${describeIdentity(live.database)}. For a copy restored from a backup (dual-cluster, preproduction), give the manifest backup-db restore wrote for the copy`,
    );
  }
  assertFingerprintComputable(manifest.fingerprint.algorithm, live.versionNum, live.database.serverVersion);
  const migrated = schemaMetaChanges(manifest, await withClient(request.database, 'reading schema_meta', readSchemaMeta));
  if (migrated !== undefined) {
    return refuse(`migrations ran since the backup of ${manifest.finishedAt} (${migrated}): it is no rollback point for this step; back up again`);
  }
  const differences = await fingerprintDifferences(request.database, manifest);
  if (differences.length > 0) {
    const detail = `the database changed since the backup of ${manifest.finishedAt}: ${differences.join('; ')}. Changes made after the backup (Admin API writes during the freeze) are lost if you roll back, and missing on a copy restored from it`;
    if (!gate.allowChangesAfterBackup) return refuse(`${detail}. Take a new backup with writes frozen, or set allow-changes-after-backup: true`);
    session.warn(`allow-changes-after-backup is true: ${detail}`);
  }
  if (gate.verify === 'trial-restore') {
    if (mode === 'dry-run') {
      session.log.info('backup gate: dry run, the trial restore (gate-verify: trial-restore) is not run');
    } else {
      await trialRestore(request, gate.path, manifest, session);
    }
  }
  if (differences.length === 0) session.log.info(`backup gate: the database matches the backup of ${manifest.finishedAt} (fingerprint ${manifest.fingerprint.digest.slice(0, 12)}), its archive checked${gate.verify === 'trial-restore' && mode === 'enforce' ? ' and trial-restored' : ''}`);
}

/**
 * `gate-verify: trial-restore`: backup-db's verify, restoring the archive into a scratch
 * database on this server (dropped after) whose fingerprint must equal the manifest's. An
 * encrypted archive needs its key, which migrate does not take: verify it with backup-db.
 */
async function trialRestore(request: MigrateRequest, manifestPath: string, manifest: BackupManifest, session: Session): Promise<void> {
  if (manifest.encryption.method !== 'none') {
    throw inputError('gate-verify', `trial-restore cannot open the archive: it is encrypted (${manifest.encryption.method}) and migrate takes no key; run backup-db with mode: verify and trial-restore: true before this step, and use gate-verify: checksums here`);
  }
  session.log.info('backup gate: trial restore of the archive into a scratch database (gate-verify: trial-restore)');
  await verifyBackup({ manifestPath, trialServer: request.database, log: (line) => session.log.info(`backup gate: ${line}`) });
}

function describeIdentity(db: BackupManifest['database']): string {
  return `${db.host}:${db.port}/${db.database} (system identifier ${db.systemIdentifier ?? 'unknown'})`;
}

function schemaMetaChanges(manifest: BackupManifest, live: readonly SchemaMetaRow[] | undefined): string | undefined {
  const key = (rows: readonly SchemaMetaRow[] | null | undefined) =>
    new Map((rows ?? []).map((row) => [row.subsystem, `${[...row.executed].sort().join(',')}|${[...row.pending].sort().join(',')}`]));
  const before = key(manifest.schemaMeta);
  const now = key(live);
  const changed = [...new Set([...before.keys(), ...now.keys()])].filter((s) => before.get(s) !== now.get(s)).sort();
  return changed.length === 0 ? undefined : `schema_meta differs for ${changed.join(', ')}`;
}

/** `finish` makes the old version unusable: only after the new nodes passed their smoke test. */
async function smokeGate(request: MigrateRequest, hop: Hop, session: Session, mode: 'enforce' | 'dry-run'): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// Running a Kong command

const MIGRATED = /^(\S+) migrated up to: (\S+) \((executed|pending)\)$/;

async function runKongCommand(request: MigrateRequest, hop: Hop, command: 'up' | 'finish' | 'bootstrap', session: Session, force = false): Promise<void> {
  const args = migrationArgs(request, hop, command, force && command !== 'bootstrap');
  session.log.info(`kong ${args.join(' ')} (${hop.runner.describe()})`);
  const started = Date.now();
  let mark = started;
  let subsystem: string | undefined;
  const runs: MigrationRun[] = [];
  const result: ExecResult = await hop.runner.run(args, {
    purpose: command,
    onLine: (line) => {
      session.log.info(`  ${line}`);
      const migrating = /^migrating (\S+) on database/.exec(line);
      if (migrating) {
        subsystem = migrating[1];
        mark = Date.now();
        return;
      }
      const migrated = MIGRATED.exec(line.trim());
      if (migrated) {
        const now = Date.now();
        runs.push({ hop: hop.label, command, subsystem: migrated[1]!, name: migrated[2]!, result: migrated[3] as 'executed' | 'pending', seconds: (now - mark) / 1000 });
        mark = now;
      }
    },
  });
  session.executed.push(...runs);
  const seconds = (Date.now() - started) / 1000;
  // The state after, whatever happened: re-read from Kong and schema_meta.
  let after: StateReading | undefined;
  let afterError: unknown;
  try {
    after = await readState(request, hop, session);
  } catch (error) {
    afterError = error;
  }
  if (after !== undefined) session.stateAfter = after.state;
  session.commands.push({ hop: hop.label, command, exitCode: result.exitCode, seconds, stateAfter: after?.state ?? session.stateAfter! });
  const stateNow = after === undefined ? `unknown (${(afterError as Error).message})` : describeState(after.state);
  const step = `kong migrations ${command} (Kong ${hop.label})`;

  // Exit 0 is not success when Kong says another node held the lock (migrations.lua l.5,
  // NOT_LEADER_MSG; bootstrap/finish don't wait, up waits and then aborts).
  if (reportsAnotherNode(result)) {
    throw stepError(step, `another node changed the database; state is now ${stateNow}. Kong printed "aborted: another node is performing database changes" (exit ${result.exitCode}): find the other runner (a Helm hook, another pipeline) before going on`);
  }
  if (result.exitCode === 0) return;

  const text = `${result.stderr}\n${result.stdout}`;
  if (/\[PostgreSQL error\] timeout/.test(text) && !/failed to run migration/.test(text)) {
    const lock = after?.lock ?? (await withClient(request.database, 'reading the migrations lock', readMigrationsLock).catch(() => undefined));
    throw stepError(
      step,
      lock === undefined
        ? `Kong timed out ([PostgreSQL error] timeout) after lock-timeout ${request.lockTimeoutSeconds} s or db-timeout ${request.dbTimeoutSeconds} s; the migrations lock is free now. State: ${stateNow}`
        : `the migrations lock was still held after lock-timeout (${request.lockTimeoutSeconds} s); it expires at ${lock.expiresAt}. Another node or a killed run holds it (its owner id is random). Wait for it to expire or for that run to end, then retry. State: ${stateNow}`,
    );
  }
  const failed = /failed to run migration '([^']+)' (up|up_f|teardown): ([^\n]*)/.exec(text);
  if (failed) {
    const where = `${subsystem ?? 'unknown subsystem'}/${failed[1]} (${failed[2]})`;
    throw stepError(step, `failed at migration ${where}: ${failed[3]!.replace(/\s*stack traceback:.*$/, '').trim()}. ${runs.length} migration(s) of this run completed before it. State after: ${stateNow}. ${ROLLBACK}`);
  }
  throw stepError(step, `exited ${result.exitCode}: ${kongError(result)}. State after: ${stateNow}.${command === 'bootstrap' ? '' : ` ${ROLLBACK}`}`);
}

// ---------------------------------------------------------------------------------------------
// Dry run

/**
 * The migrations each hop's `up` would run, from `kong migrations list` of each hop's version
 * on the database as it is now: hop N's list shows hops 1..N's new migrations (state.lua
 * classifies everything after last_executed as new), so hop N's own are the difference. Its
 * `finish` has work for the new ones with a teardown step (teardown-migrations.ts) and for
 * what is already pending.
 */
async function previewHops(request: MigrateRequest, hops: readonly Hop[], first: StateReading, session: Session): Promise<void> {
  let seen: MigrationsBySubsystem = {};
  for (const [i, hop] of hops.entries()) {
    const reading = i === 0 ? first : await readState(request, hop, session);
    const own = subtract(reading.state.new, seen);
    seen = reading.state.new;
    const teardowns = new Set(teardownsBetween(parseKongVersion('0.0.0'), hop.version).map((t) => `${t.subsystem}:${t.name}`));
    for (const name of request.plan?.plan.hops.find((h) => h.to === hop.label)?.teardownMigrations ?? []) teardowns.add(name);
    const finishWork: Record<string, string[]> = {};
    if (i === 0) for (const [s, names] of Object.entries(reading.state.pending)) finishWork[s] = [...names];
    for (const [s, names] of Object.entries(own)) {
      const withTeardown = names.filter((n) => teardowns.has(`${s}:${n}`));
      if (withTeardown.length > 0) finishWork[s] = [...(finishWork[s] ?? []), ...withTeardown];
    }
    session.previews.push({ version: hop.label, upWouldRun: own, finishWork });
    session.log.info(`dry run, Kong ${hop.label}: up would run ${count(own)} (${describeMigrations(own)}); finish would have ${count(finishWork) === 0 ? 'no work' : `work: ${describeMigrations(finishWork)}`}`);
  }
}

function subtract(a: MigrationsBySubsystem, b: MigrationsBySubsystem): MigrationsBySubsystem {
  const out: Record<string, string[]> = {};
  for (const [s, names] of Object.entries(a)) {
    const rest = names.filter((n) => !(b[s] ?? []).includes(n));
    if (rest.length > 0) out[s] = rest;
  }
  return out;
}

function nextStep(reading: StateReading, hops: readonly Hop[], index: number): string {
  const hop = hops[index]!;
  switch (reading.state.kind) {
    case 'needs-bootstrap':
      return 'The database is not bootstrapped: run command: bootstrap for a new installation.';
    case 'new':
      return `Run \`up\` with Kong ${hop.label} (after backup-db).`;
    case 'pending':
      return `Validate the Kong ${hop.label} nodes (smoke-test), then run \`finish\` with the smoke report.`;
    case 'pending-and-new':
      return 'Pending migrations of an earlier upgrade remain: finish them with the version that ran that `up`, or roll back by restoring the backup.';
    case 'up-to-date':
      return index < hops.length - 1
        ? `Up to date for Kong ${hop.label}; next hop: Kong ${hops[index + 1]!.label}.`
        : `Up to date for Kong ${hop.label}.`;
  }
}

// ---------------------------------------------------------------------------------------------
// Plan file

export async function readPlanFile(file: string): Promise<UpgradePlan> {
  let data: UpgradePlan;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as UpgradePlan;
  } catch (error) {
    throw inputError('plan-json', `cannot read ${file} as JSON: ${(error as Error).message}`, error);
  }
  if (data?.schema !== PLAN_SCHEMA || !Array.isArray(data.hops)) {
    throw inputError('plan-json', `${file} is not a plan (schema ${JSON.stringify(data?.schema)}, expected ${PLAN_SCHEMA})`);
  }
  for (const [i, hop] of data.hops.entries()) {
    if (typeof hop?.to !== 'string' || tryParseKongVersion(hop.to) === undefined) throw inputError('plan-json', `hops[${i}].to is not a Kong version`);
  }
  return data;
}

