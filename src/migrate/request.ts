import type { UpgradePlan } from '../changelog/plan-types.js';
import type { DatabaseTarget } from '../database/postgres/connect.js';
import { inputError } from '../lib/errors.js';
import { imageReferenceProblem } from '../kong/runners/image.js';
import { compareKongVersions, formatKongVersion, parseKongVersion, type KongVersion } from '../version/kong-version.js';
import type { DerivedPod } from '../kong/runners/pod-spec.js';

/**
 * What the migrate action asks for: the command, where `kong` runs, the database, and the two
 * gates (a verified backup before `up`, a passing smoke report before `finish`).
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
      /** The release's own pod (kubernetes-workload, kubernetes-manifest): the Job runs as the chart's would. */
      readonly pod?: DerivedPod | undefined;
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

/** Refusals that need no database: combinations of inputs that cannot work. */
export function validateRequest(request: MigrateRequest): void {
  if (request.runner.kind !== 'binary') {
    const problem = imageReferenceProblem(request.runner.image, VERSION_PLACEHOLDER);
    if (problem !== undefined) throw inputError('image', problem);
  }
  if (request.runner.kind === 'kubernetes' && request.kongConf !== undefined) {
    throw inputError('kong-conf', 'is not supported with runner: kubernetes; give the settings as inputs (the Job gets them as KONG_* env, as the Helm chart does)');
  }
  if (request.runner.kind === 'kubernetes' && request.database.db.password !== undefined && request.runner.passwordSecret === undefined && request.runner.pod === undefined) {
    throw inputError('kubernetes-password-secret', 'is required with runner: kubernetes when the database has a password: the Job reads KONG_PG_PASSWORD from that Secret (name/key); a password is never written into a manifest');
  }
  if (request.plan !== undefined && request.version !== undefined) {
    const planTo = parseKongVersion(request.plan.plan.to, 'plan-json');
    if (compareKongVersions(planTo, request.version) !== 0) {
      throw inputError('kong-version', `is ${formatKongVersion(request.version)} but the plan (${request.plan.path}) goes to ${request.plan.plan.to}`);
    }
  }
}
