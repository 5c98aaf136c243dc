import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KONG_CONF_INPUT, maskSecretSettings, parseUserKongConf } from '../../changelog/kong-conf.js';
import { targetFromInputs, type DatabaseTarget } from '../../database/postgres/connect.js';
import { migrate } from '../../migrate/migrate.js';
import { readPlanFile } from '../../migrate/plan-file.js';
import { GATE_VERIFY, MIGRATE_COMMANDS, VERSION_PLACEHOLDER, type BackupGate, type MigrateRequest, type RunnerRequest, type SmokeGate } from '../../migrate/request.js';
import type { MigrateResult } from '../../migrate/session.js';
import { count, describeMigrations, describeState, stateJson } from '../../kong/migration-state.js';
import { inputError } from '../../lib/errors.js';
import { maskSecret, readBoolean, readDuration, readEnum, readList, readPath, readString, type InputSource } from '../../lib/inputs.js';
import { bulletList, table } from '../../lib/markdown.js';
import { SSL_MODES, type DatabaseConnection } from '../../database/connection.js';
import { readDatabaseInputs } from '../../database/connection-inputs.js';
import { editionOf, parseKongVersion } from '../../version/kong-version.js';
import { imageTemplate, loadPod } from '../../kong/runners/pod-spec.js';
import { readDriftInputs } from '../../drift/inputs.js';
import { runDriftCheck } from '../drift.js';
import { actionInputs, info, infoLines, runAction } from '../runtime.js';
import { DEFAULTS } from './inputs.generated.js';

const inputs = actionInputs(DEFAULTS);

await runAction(async () => {
  const request = await readMigrateRequest(inputs);
  // `finish` on a shared database (blue-green): blue's database against the backup first. After
  // finish blue cannot run on it, and a write made through an old node while migrations were
  // pending may be one Kong skips until finish and a reload (Kong/kong#6172).
  const drift = request.command === 'finish' && request.backup.kind === 'manifest' ? await readDriftInputs(inputs, 'backup-manifest') : await refuseDriftInputs(request.command);
  if (drift !== undefined && !request.render) await runDriftCheck('finish', drift, request.database, request.dryRun);
  const result = await migrate(request, { info, warning: (line) => core.warning(line) });
  writeOutputs(result);
  for (const item of result.rendered) infoLines(`# ${item.title}\n${item.text}`);
  await core.summary.addRaw(renderSummary(result), true).write();
  if (result.failure) throw result.failure;
});

async function readMigrateRequest(source: InputSource): Promise<MigrateRequest> {
  const command = readEnum(source, 'command', MIGRATE_COMMANDS, 'list');
  const runnerKind = readEnum(source, 'runner', ['binary', 'image', 'kubernetes'] as const, 'binary');
  const versionText = readString(source, 'kong-version');
  const version = versionText === undefined ? undefined : parseKongVersion(versionText, 'kong-version');
  const kongConf = readPath(source, 'kong-conf');
  const confFile = kongConf === undefined ? undefined : path.resolve(kongConf);

  const fromInputs = readDatabaseInputs(source);
  let database: DatabaseTarget | undefined = fromInputs === undefined ? undefined : targetFromInputs(fromInputs, readString(source, 'database-url') !== undefined);
  if (database === undefined && confFile !== undefined) {
    const db = await connectionFromKongConf(confFile, source);
    // A login or host failure then names the input that holds the settings: kong-conf, not pg-*.
    if (db !== undefined) database = { db, inputs: { host: KONG_CONF_INPUT, user: KONG_CONF_INPUT, password: KONG_CONF_INPUT, database: KONG_CONF_INPUT } };
  }
  if (database === undefined) throw inputError('database-url', 'is required (or the pg-* inputs, or a kong-conf with pg_host): the action reads schema_meta itself');

  const image = readString(source, 'image') ?? (version !== undefined && editionOf(version) === 'enterprise' ? `kong/kong-gateway:${VERSION_PLACEHOLDER}` : `kong:${VERSION_PLACEHOLDER}`);
  let runner: RunnerRequest;
  switch (runnerKind) {
    case 'binary':
      runner = { kind: 'binary', kongPath: readPath(source, 'kong-path') ?? 'kong' };
      break;
    case 'image':
      runner = { kind: 'image', image, network: readString(source, 'docker-network'), docker: readPath(source, 'docker-cli') ?? 'docker' };
      break;
    case 'kubernetes': {
      const secret = readString(source, 'kubernetes-password-secret');
      let passwordSecret: { name: string; key: string } | undefined;
      if (secret !== undefined) {
        const match = /^([a-z0-9.-]+)\/([A-Za-z0-9._-]+)$/.exec(secret);
        if (!match) throw inputError('kubernetes-password-secret', `"${secret}" is not <secret-name>/<key>, e.g. kong-postgres/password`);
        passwordSecret = { name: match[1]!, key: match[2]! };
      }
      const kubectl = readPath(source, 'kubectl') ?? 'kubectl';
      const context = readString(source, 'kubernetes-context');
      const namespace = readString(source, 'kubernetes-namespace') ?? 'default';
      // The release's own pod: its env (password by secretKeyRef), mounts, service account.
      const workload = readString(source, 'kubernetes-workload');
      const manifest = readPath(source, 'kubernetes-manifest');
      const pod = workload === undefined && manifest === undefined ? undefined : await loadPod({ kubectl, context, namespace, workload, manifest: manifest === undefined ? undefined : path.resolve(manifest) });
      if (pod !== undefined) {
        for (const name of ['kubernetes-password-secret', 'kubernetes-service-account', 'kubernetes-pg-host']) {
          if (readString(source, name) !== undefined) throw inputError(name, `is not used with ${workload === undefined ? 'kubernetes-manifest' : 'kubernetes-workload'}: the Job takes the release's own env and service account (${pod.source})`);
        }
      }
      runner = {
        kind: 'kubernetes',
        image: pod !== undefined && readString(source, 'image') === undefined ? imageTemplate(pod.image) : image,
        kubectl,
        context,
        namespace,
        passwordSecret,
        serviceAccount: readString(source, 'kubernetes-service-account'),
        pgHost: readString(source, 'kubernetes-pg-host'),
        imagePullPolicy: readEnum(source, 'kubernetes-image-pull-policy', ['IfNotPresent', 'Always', 'Never'] as const, 'IfNotPresent'),
        startTimeoutMs: readDuration(source, 'kubernetes-start-timeout', '5m'),
        pod,
      };
      break;
    }
  }

  const manifest = readPath(source, 'backup-manifest');
  const allowWithoutBackup = readBoolean(source, 'allow-without-backup', false);
  if (manifest !== undefined && allowWithoutBackup) throw inputError('allow-without-backup', 'is true but backup-manifest is also given: choose one');
  const verify = readEnum(source, 'gate-verify', GATE_VERIFY, 'checksums');
  if (manifest === undefined && readString(source, 'gate-verify') !== undefined) throw inputError('gate-verify', 'checks the archive of backup-manifest, which is not given');
  const backup: BackupGate = manifest !== undefined
    ? { kind: 'manifest', path: path.resolve(manifest), allowChangesAfterBackup: readBoolean(source, 'allow-changes-after-backup', false), verify }
    : allowWithoutBackup ? { kind: 'waived' } : { kind: 'none' };
  const report = readPath(source, 'smoke-report');
  const smoke: SmokeGate = report !== undefined
    ? { kind: 'report', path: path.resolve(report), maxAgeMs: readDuration(source, 'smoke-report-max-age', '1h') }
    : readBoolean(source, 'allow-finish-without-smoke-report', false) ? { kind: 'waived' } : { kind: 'none' };
  const planFile = readPath(source, 'plan-json');
  const plugins = readList(source, 'plugins');

  return {
    command,
    runner,
    version,
    database,
    kongConf: confFile,
    plugins: plugins.length === 0 ? undefined : plugins,
    lockTimeoutSeconds: seconds(readDuration(source, 'lock-timeout', '60s'), 'lock-timeout'),
    dbTimeoutSeconds: seconds(readDuration(source, 'db-timeout', '60s'), 'db-timeout'),
    force: readBoolean(source, 'force', false),
    dryRun: readBoolean(source, 'dry-run', false),
    render: readBoolean(source, 'render', false),
    backup,
    smoke,
    plan: planFile === undefined ? undefined : { path: path.resolve(planFile), plan: await readPlanFile(path.resolve(planFile)) },
  };
}

/** The drift inputs apply to `finish` with a backup-manifest only. */
async function refuseDriftInputs(command: string): Promise<undefined> {
  for (const name of ['accept-drift', 'drift-reports', 'write-freeze', 'drift-report-file']) {
    if (readString(inputs, name) !== undefined && !(name === 'accept-drift' && /^false$/i.test(readString(inputs, name)!))) {
      throw inputError(name, `applies to the drift check before finish (command: finish with backup-manifest), not to command ${command}`);
    }
  }
  return undefined;
}

/** Kong's flags take whole seconds. */
function seconds(ms: number, input: string): number {
  const value = Math.ceil(ms / 1000);
  if (value < 1) throw inputError(input, 'must be at least 1s');
  return value;
}

/** The pg_* settings of a kong.conf, when no database input is given (the file stays Kong's `-c`). */
async function connectionFromKongConf(file: string, source: InputSource): Promise<DatabaseConnection | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw inputError('kong-conf', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, error);
  }
  const conf = parseUserKongConf(text);
  maskSecretSettings(conf, (secret) => maskSecret(source, secret));
  const get = (key: string) => conf.get(key)?.value;
  const host = get('pg_host');
  if (host === undefined) return undefined;
  const password = get('pg_password');
  const on = (v: string | undefined) => v === 'on' || v === 'true';
  const sslmode = on(get('pg_ssl')) ? (on(get('pg_ssl_verify')) ? 'verify-full' : 'require') : 'disable';
  return {
    host,
    port: Number(get('pg_port') ?? 5432),
    user: get('pg_user') ?? 'kong',
    password,
    database: get('pg_database') ?? 'kong',
    sslmode: SSL_MODES.includes(sslmode) ? sslmode : 'disable',
  };
}

function writeOutputs(result: MigrateResult): void {
  if (result.stateBefore) core.setOutput('state-before', stateJson(result.stateBefore));
  if (result.stateAfter) core.setOutput('state-after', stateJson(result.stateAfter));
  core.setOutput('executed', JSON.stringify(result.executed));
  core.setOutput('pending', JSON.stringify(result.stateAfter?.pending ?? {}));
  core.setOutput('applied-count', result.executed.length);
  core.setOutput('pending-count', result.stateAfter ? count(result.stateAfter.pending) : 0);
  core.setOutput('outcome', result.outcome);
}

function renderSummary(result: MigrateResult): string {
  const parts: string[] = [`## Kong migrations: ${result.command} (${result.outcome})\n`];
  if (result.hops.length > 0) parts.push(`Hops: ${result.hops.map((h) => `Kong ${h}`).join(' → ')}\n`);
  if (result.failure) parts.push(`> [!CAUTION]\n> ${result.failure.message.replace(/\n/g, '\n> ')}\n`);
  if (result.stateBefore || result.stateAfter) {
    parts.push(table(['', 'State'], [
      ['Before', (result.stateBefore ? describeState(result.stateBefore) : 'not read')],
      ['After', (result.stateAfter ? describeState(result.stateAfter) : 'not read')],
    ]));
  }
  if (result.commands.length > 0) {
    parts.push('\n### Kong commands\n');
    parts.push(table(['Hop', 'Command', 'Exit', 'Seconds', 'State after'], result.commands.map((c) => [c.hop, c.command, String(c.exitCode), c.seconds.toFixed(1), (describeState(c.stateAfter))])));
  }
  if (result.executed.length > 0) {
    parts.push('\n### Migrations\n');
    parts.push(table(['Hop', 'Command', 'Subsystem', 'Migration', 'Result', 'Seconds'], result.executed.map((m) => [m.hop, m.command, m.subsystem, m.name, m.result, m.seconds.toFixed(2)])));
  }
  if (result.previews.length > 0) {
    parts.push('\n### Dry run\n');
    parts.push(table(['Hop', '`up` would run', '`finish` work'], result.previews.map((p) => [`Kong ${p.version}`, (describeMigrations(p.upWouldRun)), (count(p.finishWork) === 0 ? 'none' : describeMigrations(p.finishWork))])));
  }
  if (result.checks.length > 0) {
    parts.push('\n### Preflight\n');
    parts.push(table(['Check', 'Status', 'Detail'], result.checks.map((c) => [c.name, c.status, (c.detail)])));
  }
  for (const item of result.rendered) parts.push(`\n### ${item.title}\n\n\`\`\`${item.text.startsWith('apiVersion') ? 'yaml' : 'sh'}\n${item.text}\`\`\`\n`);
  if (result.warnings.length > 0) parts.push(`\n### Warnings\n\n${bulletList(result.warnings)}`);
  parts.push(`\n### Next\n\n${result.next}\n`);
  return parts.join('\n');
}
