import { randomBytes } from 'node:crypto';
import { withClient } from '../database/postgres/connect.js';
import { inputError, stepError } from '../lib/errors.js';
import { kongDatabaseEnvironment } from '../kong/kong-env.js';
import { kongError } from '../kong/migration-state.js';
import { binaryRunner } from '../kong/runners/binary.js';
import { imageRunner } from '../kong/runners/image.js';
import { kubernetesRunner } from '../kong/runners/kubernetes.js';
import type { KongRunner } from '../kong/runners/types.js';
import { kongLineFromSchemaMeta, readSchemaMeta } from '../kong/schema-meta.js';
import { compareKongVersions, editionOf, formatKongVersion, parseKongVersion, tryParseKongVersion, type KongVersion } from '../version/kong-version.js';
import { planUpgradePath } from '../version/upgrade-path.js';
import { VERSION_PLACEHOLDER, type MigrateRequest } from './request.js';
import type { Session } from './session.js';

/**
 * Hop walking: the versions a run goes through (one per hop of the plan, or the one version
 * asked for), each with the runner of that version, and the arguments every Kong command of a
 * hop shares.
 */
export interface Hop {
  /** The version that runs this hop's commands. */
  readonly version: KongVersion;
  readonly label: string;
  readonly runner: KongRunner;
}

export async function resolveHops(request: MigrateRequest, session: Session): Promise<Hop[]> {
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
            pod: runner.pod,
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
export async function verifyBinaryVersion(hop: Hop): Promise<void> {
  if (hop.runner.kind !== 'binary') return;
  const actual = await kongVersionOf(hop.runner);
  if (compareKongVersions(actual, hop.version) !== 0) {
    throw inputError('kong-path', `${hop.runner.describe()} is Kong ${formatKongVersion(actual)}, but this step needs ${hop.label}`);
  }
}

/** The common flags: `--db-timeout` always (from 3.7 an absent flag means pg_timeout, 5 s: PR #12761), `--lock-timeout`, `-c`. */
export function migrationArgs(request: MigrateRequest, hop: Hop, sub: 'list' | 'up' | 'finish' | 'bootstrap', force = false): string[] {
  const args = ['migrations', sub, '--db-timeout', String(request.dbTimeoutSeconds), '--lock-timeout', String(request.lockTimeoutSeconds)];
  if (force) args.push('--force');
  if (hop.runner.confPath !== undefined) args.push('-c', hop.runner.confPath);
  return args;
}

/**
 * Without a plan, a single version: refuse when the database is more than one supported hop
 * away (its core migrations tell its release line: schema-meta.ts), listing the hops.
 */
export async function refuseMultiHopWithoutPlan(request: MigrateRequest, hops: readonly Hop[], session: Session): Promise<void> {
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
