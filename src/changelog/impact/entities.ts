import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Node, type YAMLMap } from 'yaml';
import { inputError } from '../../lib/errors.js';
import type { AdminInventory, EntitySet, PluginRef, RouteRef, ServiceRef } from './types.js';

/** The input name errors about the declarative file point at. */
export const DECLARATIVE_INPUT = 'declarative-config';

export function adminApiEntities(inventory: AdminInventory): EntitySet {
  return {
    source: 'admin-api',
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
  };
}

/**
 * Reads a decK / DB-less file (YAML, or JSON, which YAML 1.2 reads too). Routes sit under
 * `services[].routes[]` and at the top level `routes[]`; plugins at the top level and under
 * services, routes, consumers and consumer groups (decK's file format). Every entity keeps the
 * file:line it starts on.
 */
export function declarativeEntities(file: string, text: string): EntitySet {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines });
  const at = (node: Node): string => `${file}:${node.range ? lines.linePos(node.range[0]).line : '?'}`;
  const routes: RouteRef[] = [];
  const plugins: PluginRef[] = [];
  const services: ServiceRef[] = [];
  let formatVersion: string | undefined;

  const readPlugins = (owner: YAMLMap): void => {
    for (const plugin of mapsIn(owner.get('plugins', true))) {
      const config = plugin.get('config', true);
      plugins.push({
        where: at(plugin),
        name: String(plugin.get('name') ?? ''),
        config: isMap(config) ? (config.toJSON() as Record<string, unknown>) : {},
      });
    }
  };
  const readRoutes = (owner: YAMLMap, placement: RouteRef['placement']): void => {
    for (const route of mapsIn(owner.get('routes', true))) {
      const paths = route.get('paths', true);
      routes.push({
        where: at(route),
        placement,
        paths: isSeq(paths)
          ? paths.items.filter(isScalar).map((item) => ({ path: String(item.value), where: at(item) }))
          : [],
        fields: route.toJSON() as Record<string, unknown>,
      });
      readPlugins(route);
    }
  };

  for (const document of documents) {
    const [error] = document.errors;
    if (error) throw inputError(DECLARATIVE_INPUT, `${file}: ${error.message}`);
    const root = document.contents;
    if (root === null) continue;
    if (!isMap(root)) throw inputError(DECLARATIVE_INPUT, `${file}: expected a mapping with services, routes, plugins …`);
    const format = root.get('_format_version');
    if (format !== undefined) formatVersion = String(format);
    for (const service of mapsIn(root.get('services', true))) {
      services.push({ where: at(service), fields: service.toJSON() as Record<string, unknown> });
      readRoutes(service, 'under-service');
      readPlugins(service);
    }
    readRoutes(root, 'top-level');
    readPlugins(root);
    for (const owner of [...mapsIn(root.get('consumers', true)), ...mapsIn(root.get('consumer_groups', true))]) {
      readPlugins(owner);
    }
  }
  return { source: 'declarative', formatVersion, routes, plugins, services };
}

function mapsIn(node: unknown): YAMLMap[] {
  return isSeq(node) ? node.items.filter((item): item is YAMLMap => isMap(item)) : [];
}
