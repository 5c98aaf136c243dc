import type { AdminClient } from '../kong/admin-api.js';
import type { DatabaseConnection } from '../lib/shared-inputs.js';
import { postgresSupport } from '../version/catalog.js';
import { editionOf, formatKongVersion, releaseLine, type KongVersion } from '../version/kong-version.js';
import { analyzeImpact, type AdminInventory } from './impact/index.js';
import { parseUserKongConf, type KongConfDefaults } from './kong-conf.js';
import { sourceFileOf } from './plan-changelog.js';
import type { PlanRequest } from './plan-request.js';
import type { PlanImpact, PlanSourceFile } from './plan-types.js';
import type { FileReader } from './sources/github.js';
import { nginxTemplateAt } from './sources/remote-file.js';

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

/**
 * Collects what the user let us see of the deployment (kong.conf, declarative files, the
 * Admin API, the database server, a custom nginx template) and runs the impact rules on it.
 * Each source is read only when given; the user kong.conf is parsed first so a malformed
 * file fails before any network call.
 */
export async function gatherImpacts(evidence: ImpactEvidence): Promise<{ found: PlanImpact[]; files: PlanSourceFile[] }> {
  const { request, from, to } = evidence;
  const kongConf = request.kongConf && { file: request.kongConf.path, settings: parseUserKongConf(request.kongConf.text) };
  const [adminApi, postgres, nginx] = await Promise.all([
    evidence.admin && readInventory(evidence.admin, request.admin?.workspace, evidence.log),
    request.db && readPostgres(evidence, request.db),
    request.nginxTemplate && readDefaultTemplates(evidence),
  ]);
  const impacts = analyzeImpact({
    from,
    to,
    kongConf,
    kongConfDefaults: evidence.kongConf,
    adminApi,
    declarative: request.declarativeConfigs.map((file) => ({ file: file.path, text: file.text })),
    postgres,
    nginxTemplate: nginx?.templates,
  });
  // `where` is optional on a rule's finding but a key of the plan JSON (null when unknown).
  const found: PlanImpact[] = impacts.map((impact) => ({ ...impact, where: impact.where }));
  if (request.nginxTemplate && nginx?.templates === undefined) {
    found.push({
      rule: 'nginx-template',
      severity: 'warning',
      title: 'Custom nginx template not compared',
      detail: nginx?.reason ?? 'Kong\'s default templates could not be read',
      where: request.nginxTemplate.path,
      remedy: 'Compare your template with kong/templates/nginx_kong.lua of the target by hand, or run the plan online.',
    });
  }
  return { found, files: nginx?.files ?? [] };
}

async function readInventory(admin: AdminClient, workspace: string | undefined, log: (line: string) => void): Promise<AdminInventory> {
  const workspaces =
    workspace === 'all'
      ? (await admin.listAll<{ name: string }>('/workspaces')).map((ws) => ws.name)
      : [workspace];
  const inventories = await Promise.all(
    workspaces.map(async (ws) => {
      const [routes, plugins, services] = await Promise.all([
        admin.listAll<AdminInventory['routes'][number]>('/routes', ws),
        admin.listAll<AdminInventory['plugins'][number]>('/plugins', ws),
        admin.listAll<AdminInventory['services'][number]>('/services', ws),
      ]);
      return { routes, plugins, services };
    }),
  );
  const inventory = {
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
  return { serverVersion, supported: { tested: supported.tested, min: supported.minimum } };
}

async function readDefaultTemplates(evidence: ImpactEvidence) {
  const { from, to, read, request } = evidence;
  if (editionOf(to) === 'enterprise') return { templates: undefined, reason: 'Kong Enterprise\'s default templates are not public', files: [] };
  if (read === undefined) return { templates: undefined, reason: 'Kong\'s default templates are read from GitHub, and this plan is offline', files: [] };
  try {
    const now = new Date();
    const [a, b] = await Promise.all([read(nginxTemplateAt(formatKongVersion(from))), read(nginxTemplateAt(formatKongVersion(to)))]);
    return {
      templates: { file: request.nginxTemplate!.path, custom: request.nginxTemplate!.text, defaultFrom: a.text, defaultTo: b.text },
      reason: undefined,
      files: [sourceFileOf(`nginx template ${formatKongVersion(from)}`, a, now), sourceFileOf(`nginx template ${formatKongVersion(to)}`, b, now)],
    };
  } catch (error) {
    return { templates: undefined, reason: `Kong's default templates could not be read: ${(error as Error).message}`, files: [] };
  }
}
