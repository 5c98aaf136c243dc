import type { KongConfDefaults, UserKongConf } from '../kong-conf.js';
import type { KongVersion } from '../../version/kong-version.js';
import type { RuleId } from './rule-ids.js';

/**
 * What a plan knows about the deployment being upgraded. Everything but the versions is
 * optional: a rule whose evidence is missing stays silent, and the plan says which evidence it
 * had. Which hops the plan takes does not matter here: every path from `from` to `to` crosses
 * the same releases, so the rules compare each change's version with the two ends.
 */
export interface ImpactInput {
  readonly from: KongVersion;
  readonly to: KongVersion;
  /** The user's kong.conf, parsed by `parseUserKongConf`; `file` names it in `where`. */
  readonly kongConf?: { readonly file: string; readonly settings: UserKongConf };
  /** kong.conf.default of both ends (fetched, or built in), when known; absent for Enterprise. */
  readonly kongConfDefaults?: { readonly from: KongConfDefaults; readonly to: KongConfDefaults };
  /** Entities read from the running (pre-upgrade) Admin API. */
  readonly adminApi?: AdminInventory;
  /** decK / DB-less declarative files and KIC manifests (YAML or JSON), as text. */
  readonly declarative?: readonly { readonly file: string; readonly text: string }[];
  /**
   * Who reads the declarative files: decK (`deck gateway sync`), Kong itself (DB-less), or
   * both when the plan could not tell (each consumer's findings are then reported).
   */
  readonly declarativeConsumers?: readonly DeclarativeConsumer[];
  /** `configuration` of the Admin API's `GET /` (Enterprise reports `portal`, `vitals` there). */
  readonly adminConfiguration?: Readonly<Record<string, unknown>>;
  /** `SHOW server_version` of the database, and what the target supports (from the catalog). */
  readonly postgres?: { readonly serverVersion: string; readonly supported: PostgresSupport };
  /**
   * A custom nginx template, and Kong's default template(s) of the same kind at both ends when
   * they could be read (undefined offline: then only built-in checks run).
   */
  readonly nginxTemplate?: {
    readonly file: string;
    readonly custom: string;
    readonly defaults?: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  };
}

export interface PostgresSupport {
  readonly tested: readonly number[];
  /** Lowest server version the target runs on at all (e.g. 9.5). */
  readonly min: number;
}

/** The Admin API objects the rules read; other fields of Kong's answers are ignored. */
export interface AdminInventory {
  readonly routes: readonly { readonly id: string; readonly name?: string | null; readonly paths?: readonly string[] | null }[];
  readonly plugins: readonly { readonly id: string; readonly name: string; readonly config: Readonly<Record<string, unknown>> }[];
  readonly services: readonly { readonly id: string; readonly name?: string | null }[];
}

/** Where entities came from decides which fixes Kong's own migrations already make. */
export type EntitySource = 'admin-api' | 'declarative' | 'kic';

/** The tools that read a declarative file (facts declarative-consumers.md). */
export type DeclarativeConsumer = 'deck' | 'db-less';

export interface RouteRef {
  readonly where: string;
  /** Declarative files nest routes under services or list them at the top level; KIC has Ingress rules. */
  readonly placement: 'admin-api' | 'under-service' | 'top-level' | 'ingress' | 'httproute';
  readonly paths: readonly { readonly path: string; readonly where: string }[];
  /**
   * KIC: where the Ingress's class turns on the controller's 2.x regex heuristic
   * (IngressClassParameters `enableLegacyRegexDetection`), which prefixes its regex-like paths.
   */
  readonly legacyRegexDetection?: string;
  /** The route as written: present keys only, so a rule can tell an omitted field. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface PluginRef {
  readonly where: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface ServiceRef {
  readonly where: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface EntitySet {
  readonly source: EntitySource;
  /** The file a declarative or KIC set was read from. */
  readonly file: string | undefined;
  /** decK's `_format_version` of a declarative file; undefined for the Admin API or when absent. */
  readonly formatVersion: string | undefined;
  readonly routes: readonly RouteRef[];
  readonly plugins: readonly PluginRef[];
  readonly services: readonly ServiceRef[];
  /** decK `${{ env "…" }}` variables the file refers to (never resolved). */
  readonly envPlaceholders: readonly string[];
  /** KIC: the ingress controller containers of the Deployments in the file. */
  readonly controllers?: readonly ControllerRef[];
}

export interface ControllerRef {
  readonly where: string;
  readonly image: string;
  /** major.minor of the image tag; undefined when the tag names no version (a digest, `latest`). */
  readonly version: string | undefined;
}

/** What rules see: the input with the entity sources read into one shape. */
export interface ImpactContext extends Omit<ImpactInput, 'adminApi' | 'declarative' | 'declarativeConsumers'> {
  readonly entities: readonly EntitySet[];
  readonly declarativeConsumers: readonly DeclarativeConsumer[];
}

export type ImpactSeverity = 'error' | 'warning';

export interface Impact {
  readonly rule: RuleId;
  readonly severity: ImpactSeverity;
  readonly title: string;
  readonly detail: string;
  /** file:line, or the entity (`route my-route`, `plugin acl 5f…`). */
  readonly where?: string;
  readonly remedy: string;
}

export interface ImpactRule {
  readonly id: RuleId;
  check(context: ImpactContext): Impact[];
}
