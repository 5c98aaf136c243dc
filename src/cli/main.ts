import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildPlan } from '../changelog/plan.js';
import { readPlanRequest } from '../changelog/plan-request.js';
import { serializePlan } from '../changelog/plan-types.js';
import { renderPlanMarkdown } from '../changelog/render/markdown.js';
import { renderPlanText } from '../changelog/render/text.js';
import { readBackupRequest } from '../database/backup-request.js';
import { CHECK_TARGETS_USAGE, checkTargets } from './check-targets.js';
import { DOCTOR_USAGE, doctor } from './doctor.js';
import { errorMessage, inputError } from '../lib/errors.js';
import { withDefaults, type InputSource } from '../lib/inputs.js';
import { PLAN_DEFAULTS, PLAN_FLAGS, VERIFY_DEFAULTS, VERIFY_FLAGS } from './flags.generated.js';

/**
 * `kong-upgrade`: the same domain as the actions, for an operator planning at a terminal.
 * Flags carry the actions' input names, so a plan made here is the plan the workflow makes.
 */
const USAGE = `usage: kong-upgrade plan --from VERSION --to VERSION [options]
       kong-upgrade verify --manifest FILE [options]
       kong-upgrade doctor --repo OWNER/NAME [options]
       kong-upgrade check-targets --production-manifest FILE [options]

plan: the upgrade plan A -> B (fetch-changelog's)
  --from, --to             versions (3.4.2 OSS, 3.4.3.5 Enterprise); --to also takes a line (3.10) or latest
  --edition                auto | oss | enterprise (default auto)
  --deployment             traditional | hybrid | db-less (default traditional)
  --database               postgres | cassandra (default postgres)
  --offline                built-in data only (plus --changelog-file / --cache-dir)
  --changelog-file F       a Kong changelog (OSS markdown, Enterprise JSON or markdown)
  --kong-conf F            your kong.conf, checked against the target
  --kong-env F             your KONG_* settings as kong.conf: a dotenv file, Helm values
                           with env:, a Compose file or a Kubernetes workload
  --declarative-config F   decK / DB-less files or KIC manifests (repeatable)
  --declarative-consumer C deck | db-less | kic | auto: who reads those files (default auto)
  --nginx-template F       your custom nginx template
  --admin-url U            Admin API of the running cluster (--admin-token, --workspace)
  --database-url U         postgres://… to check the server version
  --cache-dir D            keep fetched files between runs
  --github-token T         defaults to $GITHUB_TOKEN
  --format F               text | markdown | json (default text)
  --output F               also write the plan JSON to F

verify: a backup made by backup-db, e.g. a downloaded artifact (backup-db mode verify)
  --manifest F             its manifest.json, or s3://bucket/prefix/manifest.json (read from the
                           bucket, with AWS_* credentials from the environment); every file's
                           size and SHA-256, then pg_restore --list
  --s3-endpoint U          the store when it is not AWS S3 (--s3-region, --s3-force-path-style true)
  --trial-restore          also restore into a scratch database (dropped after) whose
                           fingerprint must equal the manifest's, on the server of
                           --target-database-url, else --database-url
  --pg-bin-dir D           where pg_restore is (a major at least the archive's)
  --jobs N                 pg_restore jobs for the trial restore
  encrypted archives: --encryption-passphrase or --encryption-private-key (armored text)

Secrets (--database-url with a password, --target-database-url, --pg-password,
--encryption-passphrase, --encryption-private-key) are better given in the environment as
KONG_UPGRADE_<FLAG> (e.g. KONG_UPGRADE_ENCRYPTION_PASSPHRASE): a command line is visible to
every user of the machine.

${DOCTOR_USAGE}

${CHECK_TARGETS_USAGE}`;

const FORMATS = ['text', 'markdown', 'json'] as const;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'doctor') return doctor(rest);
  if (command === 'check-targets') return checkTargets(rest);
  if (command !== 'plan' && command !== 'verify') {
    process.stderr.write(`kong-upgrade: unknown command "${command}"; the commands are: plan, verify, doctor, check-targets (see --help)\n`);
    return 2;
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      options:
        command === 'plan'
          ? { ...PLAN_FLAGS, format: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
          : { ...VERIFY_FLAGS, help: { type: 'boolean', short: 'h' } },
    }).values as Record<string, string | boolean | string[] | undefined>;
  } catch (error) {
    process.stderr.write(`kong-upgrade: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // The flags are the action's inputs (generated from its manifest), read with its defaults.
  if (command === 'verify') return verify(withDefaults(flagInputs(values), VERIFY_DEFAULTS));
  try {
    const format = String(values.format ?? 'text');
    if (!(FORMATS as readonly string[]).includes(format)) throw inputError('format', `"${format}" is not one of ${FORMATS.join(', ')}`);
    const request = await readPlanRequest(withDefaults(flagInputs(values), PLAN_DEFAULTS));
    const plan = await buildPlan(request, { log: (line) => process.stderr.write(`${line}\n`) });
    const json = serializePlan(plan);
    if (typeof values.output === 'string') await writeFile(values.output, json);
    const rendered = format === 'json' ? json : format === 'markdown' ? `${renderPlanMarkdown(plan, Infinity)}\n` : `${renderPlanText(plan)}\n`;
    process.stdout.write(rendered);
    return 0;
  } catch (error) {
    process.stderr.write(`kong-upgrade: ${errorMessage(error)}\n`);
    return 1;
  }
}

/**
 * A backup made by backup-db, checked as `mode: verify` does: the same request reader (so the
 * flags mean what the inputs mean) and the same domain function; progress on stderr, the
 * verdict on stdout.
 */
async function verify(source: InputSource): Promise<number> {
  try {
    // RUNNER_TEMP is where the action decrypts; at a terminal, the system's temp folder.
    const request = readBackupRequest({ get: (name) => (name === 'mode' ? 'verify' : source.get(name)), mask: source.mask }, { ...process.env, RUNNER_TEMP: os.tmpdir() });
    if (request.mode !== 'verify') throw new Error('unreachable: mode is verify');
    const [{ verifyBackup }, { createRunDir }, { fetchBackup }] = await Promise.all([import('../database/postgres/verify.js'), import('../lib/run-dir.js'), import('../database/object-storage/fetch.js')]);
    // A private folder for the decrypted copy, gpg's home and a backup read from a bucket, removed however verify ends.
    const runDir = await createRunDir(request.common.workDir);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const fetched = request.objectStorage && (await fetchBackup(request.manifest, request.objectStorage, 'manifest', runDir, log).catch(async (error: unknown) => {
      await rm(runDir.path, { recursive: true, force: true });
      throw error;
    }));
    const result = await verifyBackup({
      manifestPath: fetched?.manifestPath ?? request.manifest,
      encryption: request.common.encryption,
      trialServer: request.trialServer,
      jobs: request.common.jobs,
      binDir: request.common.binDir,
      runDir,
      log,
    }).finally(async () => {
      await fetched?.close();
      await rm(runDir.path, { recursive: true, force: true });
    });
    const { manifest } = result;
    const facts: [string, string][] = [
      ['database', `${manifest.database.database} on ${manifest.database.host}:${manifest.database.port} (PostgreSQL ${manifest.database.serverVersion}), Kong ${manifest.kong.version ?? 'unknown'}`],
      ['taken', `${manifest.startedAt} with pg_dump ${manifest.dump.toolVersion}, ${manifest.dump.format} format, encryption ${manifest.encryption.method}`],
      ['archive', `${manifest.archive.path}: ${manifest.files.length} file(s), ${manifest.archive.sizeBytes} bytes, checksums match`],
      ['contents', `pg_restore --list reads ${result.tocEntries} entries, ${result.tableData} with table data`],
      ['restore', result.trialRestore ? 'trial restore into a scratch database: fingerprint equals the manifest' : 'not tried (--trial-restore)'],
      ['fingerprint', `${manifest.fingerprint.digest} (${manifest.fingerprint.algorithm})`],
    ];
    process.stdout.write(`Backup verified: ${request.manifest}\n${facts.map(([name, value]) => `  ${name.padEnd(12)}${value}\n`).join('')}`);
    return 0;
  } catch (error) {
    process.stderr.write(`kong-upgrade: ${errorMessage(error)}\n`);
    return 1;
  }
}

/** Secrets are read from KONG_UPGRADE_<FLAG> when the flag is not given (argv is world-readable). */
const SECRET_FLAGS = new Set(['database-url', 'target-database-url', 'pg-password', 'target-pg-password', 'encryption-passphrase', 'encryption-private-key', 'admin-token']);

function flagInputs(values: Record<string, string | boolean | string[] | undefined>): InputSource {
  return {
    get(name) {
      const value = values[name];
      if (Array.isArray(value)) return value.join('\n');
      if (typeof value === 'boolean') return String(value);
      if (value === undefined && name === 'github-token') return process.env.GITHUB_TOKEN ?? '';
      if (value === undefined && SECRET_FLAGS.has(name)) return process.env[`KONG_UPGRADE_${name.toUpperCase().replaceAll('-', '_')}`] ?? '';
      return value ?? '';
    },
    // Nothing at a terminal collects logs for later; secrets are simply never printed.
    mask: () => {},
  };
}

process.exitCode = await main(process.argv.slice(2));
