import type { EntryKind, Release } from './types.js';

/**
 * The plan: `kong-upgrade/plan@1`, written by fetch-changelog (`plan-json`) and printed by
 * `kong-upgrade plan --format json`. Scripts and later actions read it, so fields are only
 * ever added; renaming or removing one needs a new schema version. Documented in
 * actions/fetch-changelog/README.md.
 */
export const PLAN_SCHEMA = 'kong-upgrade/plan@1';

import type { StrategyName } from '../version/deployment.js';

export type { StrategyName };

export interface PlanHop {
  readonly from: string;
  readonly to: string;
  /** Which of Kong's supported-path rules allows this hop, and why it was chosen. */
  readonly rule: string;
  readonly reason: string;
  /** Core and bundled-plugin migrations of the hop that have a teardown step. */
  readonly teardownMigrations: readonly string[];
  readonly requiresFinish: boolean;
  /** Old nodes keep serving after `up`; after `finish` they do not when teardowns ran. */
  readonly oldNodesAfterUp: boolean;
  readonly oldNodesAfterFinish: boolean;
  /** e.g. `deck file convert --from 2.8 --to 3.4 …` for declarative files. */
  readonly deckConvert: string | undefined;
  readonly notes: readonly string[];
}

export interface PlanStrategy {
  readonly name: StrategyName;
  readonly supported: boolean;
  readonly reason: string;
}

export interface PlanSourceFile {
  readonly what: string;
  readonly location: string;
  readonly url: string | undefined;
  readonly via: 'network' | 'revalidated' | 'cache' | 'file' | 'built-in';
  readonly fetchedAt: string | undefined;
  readonly ageDays: number | undefined;
}

export interface PlanSource {
  readonly mode: 'online' | 'offline';
  /** Why the plan is offline when it is: asked for, or the network was unreachable. */
  readonly reason: string;
  readonly files: readonly PlanSourceFile[];
  /** True when `releases[].entries` come from a changelog; false: versions and dates only. */
  readonly entriesAvailable: boolean;
}

export interface PlanDatabaseSupport {
  readonly line: string;
  readonly postgres: { readonly tested: readonly number[]; readonly minimum: number | undefined };
  readonly cassandra: boolean;
}

export type KongConfChanges =
  | {
      readonly available: true;
      readonly fromTag: string;
      readonly toTag: string;
      readonly added: readonly { name: string; default: string }[];
      readonly removed: readonly { name: string; default: string }[];
      readonly defaultChanged: readonly { name: string; from: string; to: string }[];
    }
  | { readonly available: false; readonly reason: string };

export interface PlanNote {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly summary: string;
  /** The impact rule that checks a deployment for it. */
  readonly detectedBy: string | undefined;
}

export interface PlanImpact {
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly title: string;
  readonly detail: string;
  readonly where: string | undefined;
  readonly remedy: string;
}

/**
 * What the plan read of the deployment, so a clean result and an unread file never look
 * alike. `consumer` of a declarative file: `deck`, `db-less`, `kic`, or `deck+db-less` when the
 * plan could not tell (the findings of both are reported).
 */
export interface PlanInspected {
  readonly declarative: readonly {
    readonly file: string;
    readonly formatVersion: string | undefined;
    readonly consumer: string;
    readonly consumerReason: string;
    readonly services: number;
    readonly routes: number;
    /** Names of the plugins in use, sorted. */
    readonly plugins: readonly string[];
    readonly regexPaths: number;
    /** decK `${{ env "…" }}` variables, never resolved. */
    readonly envPlaceholders: readonly string[];
    /** KIC: the ingress controller images of the file's Deployments (only when there are some). */
    readonly controllers?: readonly string[];
  }[];
  readonly kongConf: readonly { readonly file: string; readonly input: 'kong-conf' | 'kong-env'; readonly properties: number }[];
  readonly adminApi:
    | {
        readonly url: string;
        readonly workspaces: readonly string[];
        readonly database: string | undefined;
        readonly services: number;
        readonly routes: number;
        readonly plugins: readonly string[];
      }
    | undefined;
  readonly database: { readonly serverVersion: string } | undefined;
  readonly nginxTemplate:
    | { readonly file: string; readonly kind: string; readonly comparedWith: readonly string[] | undefined; readonly reason: string | undefined }
    | undefined;
}

export interface UpgradePlan {
  readonly schema: typeof PLAN_SCHEMA;
  readonly generatedAt: string;
  readonly from: string;
  readonly to: string;
  readonly edition: 'oss' | 'enterprise';
  readonly deployment: 'traditional' | 'hybrid' | 'db-less';
  readonly hops: readonly PlanHop[];
  readonly requiresFinish: boolean;
  readonly strategy: {
    readonly recommended: StrategyName;
    readonly reason: string;
    readonly options: readonly PlanStrategy[];
  };
  readonly source: PlanSource;
  /** Every release after `from` up to and including `to`, oldest first. */
  readonly releases: readonly Release[];
  readonly counts: Readonly<Record<EntryKind, number>>;
  /** The breaking changes that matter most to operators, from built-in data, per hop crossed. */
  readonly notes: readonly PlanNote[];
  readonly database: { readonly from: PlanDatabaseSupport; readonly to: PlanDatabaseSupport; readonly changes: readonly string[] };
  readonly kongConf: KongConfChanges;
  readonly impacts: readonly PlanImpact[];
  readonly inspected: PlanInspected;
}

/**
 * The plan as JSON for the file and `--format json`: every documented field is present, an
 * unknown value written as null rather than left out, so scripts can rely on the keys.
 */
export function serializePlan(plan: UpgradePlan): string {
  return `${JSON.stringify(plan, (_key, value: unknown) => (value === undefined ? null : value), 2)}\n`;
}
