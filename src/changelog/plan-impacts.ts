import type { AdminClient } from '../kong/admin-api.js';
import type { DatabaseConnection } from '../database/connection.js';
import { postgresSupport } from '../version/catalog.js';
import { editionOf, formatKongVersion, releaseLine, type KongVersion } from '../version/kong-version.js';
import { impactContext, runImpactRules, type AdminInventory, type DeclarativeConsumer } from './impact/index.js';
import { templateKind, type TemplateKind } from './impact/nginx-template.js';
import { regexOf } from './impact/route-paths.js';
import type { EntitySet } from './impact/types.js';
import { parseUserKongConf, type KongConfDefaults, type UserKongConf } from './kong-conf.js';
import { parseKongEnv } from './kong-env.js';
import { sourceFileOf } from './plan-changelog.js';
import type { PlanRequest } from './plan-request.js';
import type { PlanImpact, PlanInspected, PlanSourceFile } from './plan-types.js';
import type { FileReader } from './sources/github.js';
import { kongTemplateAt } from './sources/remote-file.js';

export interface ImpactEvidence {
  readonly request: PlanRequest;
  readonly from: KongVersion;
  readonly to: KongVersion;
  readonly admin: AdminClient | undefined;
  readonly kongConf: { readonly from: KongConfDefaults; readonly to: KongConfDefaults } | undefined;
  readonly read: FileReader | undefined;
  readonly log: (line: string) => void;
  readonly readServerVersion: (db: DatabaseConnection) => Promise<string>;
}

// kong_versions.yml lists `postgres: "9.5+"` for every release 2.8–3.10 (facts
// upgrade-paths-helm-operator-deck.md §2.1): below it Kong does not run; below the tested list
// it is a warning.
const POSTGRES_RUNTIME_MINIMUM = 9.5;

/**
 * Collects what the user let us see of the deployment (kong.conf and KONG_* variables,
 * declarative files, the Admin API, the database server, a custom nginx template), runs the
 * impact rules on it, and says what it read. Files are parsed first so a malformed one fails
 * before any network call.
 */
export async function gatherImpacts(
  evidence: ImpactEvidence,
): Promise<{ found: PlanImpact[]; files: PlanSourceFile[]; inspected: PlanInspected }> {
  const { request, from, to } = evidence;
  const confFile = request.kongConf && { file: request.kongConf.path, settings: parseUserKongConf(request.kongConf.text) };
  const envFile = request.kongEnv && { file: request.kongEnv.path, settings: parseKongEnv(request.kongEnv.path, request.kongEnv.text) };
  const kongConf = mergeConf(confFile, envFile);
  const [adminApi, postgres, nginx] = await Promise.all([
    evidence.admin && readInventory(evidence.admin, request.admin?.workspace, evidence.log),
    request.db && readPostgres(evidence, request.db),
    request.nginxTemplate && readDefaultTemplates(evidence),
  ]);
  const consumers = decideConsumers(request, kongConf?.settings, adminApi?.configuration);
  const context = impactContext({
    from,
    to,
    kongConf,
    kongConfDefaults: evidence.kongConf,
    adminApi,
    adminConfiguration: adminApi?.configuration,
    declarative: request.declarativeConfigs.map((file) => ({ file: file.path, text: file.text })),
    declarativeConsumers: consumers.consumers,
    postgres,
    nginxTemplate: request.nginxTemplate && { file: request.nginxTemplate.path, custom: request.nginxTemplate.text, defaults: nginx?.templates },
  });
  // `where` is optional on a rule's finding but a key of the plan JSON (null when unknown).
  const found: PlanImpact[] = runImpactRules(context).map((impact) => ({ ...impact, where: impact.where }));
  if (request.nginxTemplate && nginx?.templates === undefined) {
    found.push({
      rule: 'nginx-template',
      severity: 'warning',
      title: 'Custom nginx template not compared',
      detail: nginx?.reason ?? 'Kong\'s default templates could not be read',
      where: request.nginxTemplate.path,
      remedy: `Compare your template with kong/templates/${nginx?.kind ?? 'nginx_kong.lua'} of the target by hand, or run the plan online.`,
    });
  }
  const inspected: PlanInspected = {
    declarative: context.entities.filter((set) => set.source !== 'admin-api').map((set) => declarativeSummary(set, consumers)),
    kongConf: [
      ...(confFile ? [{ file: confFile.file, input: 'kong-conf' as const, properties: confFile.settings.size }] : []),
      ...(envFile ? [{ file: envFile.file, input: 'kong-env' as const, properties: envFile.settings.size }] : []),
    ],
    adminApi: adminApi && {
      url: adminApi.url,
      workspaces: adminApi.workspaces,
      database: typeof adminApi.configuration?.['database'] === 'string' ? adminApi.configuration['database'] : undefined,
      services: adminApi.services.length,
      routes: adminApi.routes.length,
      plugins: namesOf(adminApi.plugins),
    },
    database: postgres && { serverVersion: postgres.serverVersion },
    nginxTemplate: request.nginxTemplate && {
      file: request.nginxTemplate.path,
      kind: nginx?.kind ?? templateKind(request.nginxTemplate.text),
      comparedWith: nginx?.templates?.map((template) => template.name),
      reason: nginx?.reason,
    },
  };
  for (const line of inspectedLines(inspected)) evidence.log(line);
  return { found, files: nginx?.files ?? [], inspected };
}

/**
 * Settings from the environment win over kong.conf's, as in Kong. An environment file with no
 * Kong setting (Helm values keeping the chart's env) is no evidence of what the node relies on.
 */
function mergeConf(
  conf: { file: string; settings: UserKongConf } | undefined,
  env: { file: string; settings: UserKongConf } | undefined,
): { file: string; settings: UserKongConf } | undefined {
  if (env && env.settings.size === 0) return conf;
  if (!conf || !env) return conf ?? env;
  return { file: conf.file, settings: new Map([...conf.settings, ...env.settings]) };
}

interface Consumers {
  readonly consumers: readonly DeclarativeConsumer[];
  readonly reason: string;
}

/**
 * Who reads the declarative files (facts declarative-consumers.md). Asked for, or seen: a node
 * without a database loads them itself (DB-less); a node with one gets them through decK.
 * Otherwise both are assumed and each one's findings reported.
 */
function decideConsumers(request: PlanRequest, settings: UserKongConf | undefined, configuration: Readonly<Record<string, unknown>> | undefined): Consumers {
  switch (request.declarativeConsumer) {
    case 'deck':
      return { consumers: ['deck'], reason: 'declarative-consumer is deck' };
    case 'db-less':
      return { consumers: ['db-less'], reason: 'declarative-consumer is db-less' };
    case 'kic':
      return { consumers: [], reason: 'declarative-consumer is kic: the controller generates what Kong loads' };
  }
  const database = settings?.get('database')?.value.toLowerCase();
  if (database === 'off') return { consumers: ['db-less'], reason: 'kong.conf or kong-env sets database = off' };
  if (request.deployment === 'db-less') return { consumers: ['db-less'], reason: 'deployment is db-less' };
  if (configuration?.['database'] === 'off') return { consumers: ['db-less'], reason: 'the Admin API reports database off' };
  if (typeof configuration?.['database'] === 'string') return { consumers: ['deck'], reason: `the Admin API reports database ${String(configuration['database'])}: files reach it through decK` };
  // Only a database set explicitly counts: a kong.conf that leaves it out is often paired with
  // KONG_DATABASE=off in a Compose file or a chart the plan was not given.
  if (database !== undefined && database !== '') return { consumers: ['deck'], reason: `kong.conf or kong-env sets database = ${database}: files reach it through decK` };
  return { consumers: ['deck', 'db-less'], reason: 'nothing tells who reads the files: both decK and Kong DB-less assumed' };
}

function declarativeSummary(set: EntitySet, consumers: Consumers): PlanInspected['declarative'][number] {
  return {
    file: set.file ?? '',
    formatVersion: set.formatVersion,
    consumer: set.source === 'kic' ? 'kic' : consumers.consumers.length === 0 ? 'kic' : consumers.consumers.join('+'),
    consumerReason: set.source === 'kic' ? 'Kong Ingress Controller resources' : consumers.reason,
    services: set.services.length,
    routes: set.routes.length,
    plugins: namesOf(set.plugins),
    regexPaths: set.routes.reduce((count, route) => count + route.paths.filter(({ path }) => regexOf(path) !== undefined).length, 0),
    envPlaceholders: set.envPlaceholders,
    ...(set.controllers === undefined || set.controllers.length === 0 ? {} : { controllers: set.controllers.map((c) => c.image) }),
  };
}

function namesOf(plugins: readonly { readonly name: string }[]): string[] {
  return [...new Set(plugins.map((plugin) => plugin.name).filter(Boolean))].sort();
}

const CONSUMER_NAMES: Readonly<Record<string, string>> = { deck: 'decK', 'db-less': 'DB-less', kic: 'KIC', 'deck+db-less': 'decK or DB-less' };

/** One line per source read: a clean plan and a file that was not read must not look alike. */
export function inspectedLines(inspected: PlanInspected): string[] {
  const shown = (names: readonly string[]) => (names.length === 0 ? 'none' : names.length > 8 ? `${names.slice(0, 8).join(', ')} …` : names.join(', '));
  return [
    ...inspected.declarative.map(
      (d) =>
        `${d.file} (${d.formatVersion ?? (d.consumer === 'kic' ? 'Kubernetes' : 'no format version')}, ${CONSUMER_NAMES[d.consumer] ?? d.consumer}): ${d.services} services, ${d.routes} routes, ${d.regexPaths} regex paths; plugins: ${shown(d.plugins)}${
          d.envPlaceholders.length > 0 ? `; decK env placeholders (not resolved): ${shown(d.envPlaceholders)}` : ''
        }${d.controllers === undefined ? '' : `; ingress controller: ${shown(d.controllers)}`}`,
    ),
    ...inspected.kongConf.map((c) => `${c.file} (${c.input}): ${c.properties} properties set`),
    ...(inspected.adminApi
      ? [`Admin API ${inspected.adminApi.url} (${inspected.adminApi.workspaces.join(', ') || 'default workspace'}): ${inspected.adminApi.services} services, ${inspected.adminApi.routes} routes; plugins: ${shown(inspected.adminApi.plugins)}`]
      : []),
    ...(inspected.database ? [`database: PostgreSQL ${inspected.database.serverVersion}`] : []),
    ...(inspected.nginxTemplate
      ? [`${inspected.nginxTemplate.file} (nginx template like ${inspected.nginxTemplate.kind}): ${inspected.nginxTemplate.comparedWith ? `compared with Kong's ${inspected.nginxTemplate.comparedWith.join(' and ')}` : `not compared (${inspected.nginxTemplate.reason ?? 'unknown'})`}`]
      : []),
  ];
}

type Inventory = AdminInventory & { readonly url: string; readonly workspaces: string[]; readonly configuration: Readonly<Record<string, unknown>> | undefined };

async function readInventory(admin: AdminClient, workspace: string | undefined, log: (line: string) => void): Promise<Inventory> {
  const workspaces = workspace === 'all' ? (await admin.listAll<{ name: string }>('/workspaces')).map((ws) => ws.name) : [workspace];
  const [root, inventories] = await Promise.all([
    admin.getJson<{ configuration?: unknown }>('/'),
    Promise.all(
      workspaces.map(async (ws) => {
        const [routes, plugins, services] = await Promise.all([
          admin.listAll<AdminInventory['routes'][number]>('/routes', ws),
          admin.listAll<AdminInventory['plugins'][number]>('/plugins', ws),
          admin.listAll<AdminInventory['services'][number]>('/services', ws),
        ]);
        return { routes, plugins, services };
      }),
    ),
  ]);
  const inventory = {
    url: admin.target.url,
    workspaces: workspaces.filter((ws): ws is string => ws !== undefined),
    configuration: typeof root.configuration === 'object' && root.configuration !== null ? (root.configuration as Record<string, unknown>) : undefined,
    routes: inventories.flatMap((i) => i.routes),
    plugins: inventories.flatMap((i) => i.plugins),
    services: inventories.flatMap((i) => i.services),
  };
  log(`Admin API: ${inventory.services.length} services, ${inventory.routes.length} routes, ${inventory.plugins.length} plugins checked`);
  return inventory;
}

async function readPostgres(evidence: ImpactEvidence, db: DatabaseConnection) {
  const supported = postgresSupport(releaseLine(evidence.to));
  if (supported === undefined) return undefined;
  const serverVersion = await evidence.readServerVersion(db);
  evidence.log(`PostgreSQL server version ${serverVersion}`);
  return { serverVersion, supported: { tested: supported.tested, min: POSTGRES_RUNTIME_MINIMUM } };
}

/** The default templates of the custom one's kind: a full main template inlining the http block gets both. */
function templatesFor(custom: string): TemplateKind[] {
  const kind = templateKind(custom);
  return kind === 'nginx.lua' && /\bserver_name\s+kong\s*;/.test(custom) ? ['nginx.lua', 'nginx_kong.lua'] : [kind];
}

async function readDefaultTemplates(evidence: ImpactEvidence) {
  const { from, to, read, request } = evidence;
  const names = templatesFor(request.nginxTemplate!.text);
  const kind = names[0]!;
  const notCompared = (reason: string) => ({ kind, templates: undefined, reason, files: [] });
  if (editionOf(to) === 'enterprise') return notCompared('Kong Enterprise\'s default templates are not public');
  if (read === undefined) return notCompared('Kong\'s default templates are read from GitHub, and this plan is offline');
  try {
    const now = new Date();
    const pairs = await Promise.all(
      names.map(async (name) => {
        const [a, b] = await Promise.all([read(kongTemplateAt(formatKongVersion(from), name)), read(kongTemplateAt(formatKongVersion(to), name))]);
        return { name, a, b };
      }),
    );
    return {
      kind,
      templates: pairs.map(({ name, a, b }) => ({ name, from: a.text, to: b.text })),
      reason: undefined,
      files: pairs.flatMap(({ name, a, b }) => [sourceFileOf(`${name} ${formatKongVersion(from)}`, a, now), sourceFileOf(`${name} ${formatKongVersion(to)}`, b, now)]),
    };
  } catch (error) {
    return notCompared(`Kong's default templates could not be read: ${(error as Error).message}`);
  }
}
