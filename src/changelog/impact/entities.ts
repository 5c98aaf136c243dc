import { inputError } from '../../lib/errors.js';
import { replaceDeckTemplates } from '../declarative/deck-templates.js';
import { isRecord, recordsIn } from '../declarative/values.js';
import { YamlSyntaxError, readYaml, type YamlFile } from '../declarative/yaml-reader.js';
import { kicEntities, kindsOf } from './kic-entities.js';
import type { AdminInventory, EntitySet, PluginRef, RouteRef, ServiceRef } from './types.js';

/** The input name errors about the declarative file point at. */
export const DECLARATIVE_INPUT = 'declarative-config';

export function adminApiEntities(inventory: AdminInventory): EntitySet {
  return {
    source: 'admin-api',
    file: undefined,
    formatVersion: undefined,
    routes: inventory.routes.map((route) => {
      const where = `route ${route.name ?? route.id}`;
      return { where, placement: 'admin-api', paths: (route.paths ?? []).map((path) => ({ path, where })), fields: route };
    }),
    plugins: inventory.plugins.map((plugin) => ({
      where: `plugin ${plugin.name} ${plugin.id}`,
      name: plugin.name,
      config: plugin.config,
    })),
    services: inventory.services.map((service) => ({ where: `service ${service.name ?? service.id}`, fields: service })),
    envPlaceholders: [],
  };
}

// Top-level keys of Kong's declarative format (kong/db/schema/others/declarative_config.lua)
// and decK's file format (`_info`, `_workspace`, `_plugin_configs`, `_konnect`).
const DECLARATIVE_KEYS = new Set([
  '_format_version', '_transform', '_info', '_workspace', '_plugin_configs', '_konnect', 'services', 'routes', 'plugins',
  'consumers', 'consumer_groups', 'upstreams', 'targets', 'certificates', 'ca_certificates', 'snis', 'vaults', 'keys', 'key_sets',
  'filter_chains', 'partials', 'licenses', 'rbac_roles', 'custom_entities',
]);

/**
 * Reads a decK / DB-less file (YAML, or JSON) or a file of Kong Ingress Controller resources.
 * Routes sit under `services[].routes[]` and at the top level `routes[]`; plugins at the top
 * level and under services, routes, consumers and consumer groups (decK's file format). Every
 * entity keeps the file:line it starts on. Anything else is refused, naming what it is.
 */
export function declarativeEntities(file: string, text: string): EntitySet {
  const templates = replaceDeckTemplates(text);
  const yaml = parse(file, templates.text);
  const documents = yaml.documents.filter((document) => document !== null);
  if (documents.length === 0) throw inputError(DECLARATIVE_INPUT, `${file}: holds no document (an empty file)`);
  const kinds = kindsOf(documents);
  if (kinds.length > 0) return kicEntities(file, yaml, documents, kinds, templates.envNames, DECLARATIVE_INPUT);
  const roots = documents.map((document, index) => {
    if (!isRecord(document) || !Object.keys(document).some((key) => DECLARATIVE_KEYS.has(key))) {
      throw inputError(DECLARATIVE_INPUT, `${file}: document ${index + 1} is ${describe(document)}, not Kong declarative configuration (_format_version, services, routes, plugins …) nor Kong Ingress Controller resources`);
    }
    return document;
  });
  return readDeclarative(file, yaml, roots, templates.envNames);
}

function parse(file: string, text: string): YamlFile {
  try {
    return readYaml(text);
  } catch (error) {
    if (error instanceof YamlSyntaxError) throw inputError(DECLARATIVE_INPUT, `${file}: not valid YAML or JSON at ${error.message} (the line is not shown: declarative files hold credentials)`);
    throw error;
  }
}

function readDeclarative(file: string, yaml: YamlFile, roots: readonly Record<string, unknown>[], envPlaceholders: readonly string[]): EntitySet {
  const routes: RouteRef[] = [];
  const plugins: PluginRef[] = [];
  const services: ServiceRef[] = [];
  let formatVersion: string | undefined;

  // Every entity is a list item: its line is its item's line.
  const itemsOf = (node: unknown): { item: Record<string, unknown>; where: string }[] => {
    if (!Array.isArray(node)) return [];
    const lines = yaml.itemLines(node);
    return node.flatMap((item, index) => (isRecord(item) ? [{ item, where: `${file}:${lines?.[index] ?? '?'}` }] : []));
  };
  const readPlugins = (owner: Record<string, unknown>): void => {
    for (const { item: plugin, where } of itemsOf(owner['plugins'])) {
      const config = plugin['config'];
      plugins.push({ where, name: String(plugin['name'] ?? ''), config: isRecord(config) ? config : {} });
    }
  };
  const readRoutes = (owner: Record<string, unknown>, placement: RouteRef['placement']): void => {
    for (const { item: route, where } of itemsOf(owner['routes'])) {
      const paths = route['paths'];
      const lines = Array.isArray(paths) ? yaml.itemLines(paths) : undefined;
      routes.push({
        where,
        placement,
        paths: Array.isArray(paths)
          ? paths.flatMap((path, index) => (typeof path === 'string' ? [{ path, where: `${file}:${lines?.[index] ?? '?'}` }] : []))
          : [],
        fields: route,
      });
      readPlugins(route);
    }
  };

  for (const root of roots) {
    const format = root['_format_version'];
    if (format !== undefined && format !== null) formatVersion = typeof format === 'number' ? format.toFixed(1) : String(format);
    for (const { item: service, where } of itemsOf(root['services'])) {
      services.push({ where, fields: service });
      readRoutes(service, 'under-service');
      readPlugins(service);
    }
    readRoutes(root, 'top-level');
    readPlugins(root);
    for (const owner of [...recordsIn(root['consumers']), ...recordsIn(root['consumer_groups'])]) readPlugins(owner);
  }
  return { source: 'declarative', file, formatVersion, routes, plugins, services, envPlaceholders };
}

function describe(document: unknown): string {
  if (Array.isArray(document)) return 'a list';
  if (!isRecord(document)) return `a single ${typeof document} value`;
  const keys = Object.keys(document).slice(0, 5).filter((key) => /^[A-Za-z0-9_.-]{1,40}$/.test(key));
  return keys.length > 0 ? `a mapping with the keys ${keys.join(', ')}` : 'a mapping';
}
