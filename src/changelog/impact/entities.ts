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

  // Every entity is a list item: its line is its item's line, worked out only when a finding
  // or a summary asks (a file of tens of thousands of routes has few findings).
  const at = (list: readonly unknown[], index: number) => `${file}:${yaml.itemLine(list, index) ?? '?'}`;
  class Entity {
    constructor(
      readonly list: readonly unknown[],
      readonly index: number,
      readonly fields: Record<string, unknown>,
    ) {}
    get where(): string {
      return at(this.list, this.index);
    }
  }
  class Plugin extends Entity implements PluginRef {
    readonly name = String(this.fields['name'] ?? '');
    readonly config = isRecord(this.fields['config']) ? this.fields['config'] : {};
  }
  class Route extends Entity implements RouteRef {
    private cachedPaths: RouteRef['paths'] | undefined;
    constructor(list: readonly unknown[], index: number, fields: Record<string, unknown>, readonly placement: RouteRef['placement']) {
      super(list, index, fields);
    }
    get paths(): RouteRef['paths'] {
      const paths = this.fields['paths'];
      this.cachedPaths ??= Array.isArray(paths)
        ? paths.flatMap((path, index) => (typeof path === 'string' ? [{ path, get where() { return at(paths, index); } }] : []))
        : [];
      return this.cachedPaths;
    }
  }
  const each = (node: unknown, visit: (list: readonly unknown[], index: number, item: Record<string, unknown>) => void): void => {
    if (Array.isArray(node)) node.forEach((item, index) => isRecord(item) && visit(node, index, item));
  };
  const readPlugins = (owner: Record<string, unknown>): void => each(owner['plugins'], (list, index, item) => plugins.push(new Plugin(list, index, item)));
  const readRoutes = (owner: Record<string, unknown>, placement: RouteRef['placement']): void =>
    each(owner['routes'], (list, index, item) => {
      routes.push(new Route(list, index, item, placement));
      readPlugins(item);
    });

  for (const root of roots) {
    const format = root['_format_version'];
    if (format !== undefined && format !== null) formatVersion = typeof format === 'number' ? format.toFixed(1) : String(format);
    each(root['services'], (list, index, service) => {
      services.push(new Entity(list, index, service));
      readRoutes(service, 'under-service');
      readPlugins(service);
    });
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
