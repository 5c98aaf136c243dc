import { inputError } from '../../lib/errors.js';
import type { YamlFile } from '../declarative/yaml-reader.js';
import { isRecord, recordsIn } from '../declarative/values.js';
import type { EntitySet, PluginRef, RouteRef } from './types.js';

// Kong Ingress Controller's own resources (configuration.konghq.com) and the Kubernetes ones
// it turns into Kong routes. Other kinds in the same file (Deployments, Services …) are skipped.
const PLUGIN_KINDS = new Set(['KongPlugin', 'KongClusterPlugin']);
const ROUTE_KINDS = new Set(['Ingress']);
const OTHER_KIC_KINDS = new Set([
  'KongIngress', 'KongConsumer', 'KongConsumerGroup', 'TCPIngress', 'UDPIngress', 'KongUpstreamPolicy', 'KongVault',
  'KongCustomEntity', 'KongLicense', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'TLSRoute',
]);

/** The Kubernetes kinds of a file's documents, when it is a file of Kubernetes resources. */
export function kindsOf(documents: readonly unknown[]): string[] {
  const kinds = documents.map((document) => (isRecord(document) && typeof document['apiVersion'] === 'string' ? document['kind'] : undefined));
  return kinds.every((kind): kind is string => typeof kind === 'string') ? kinds : [];
}

/**
 * Kong Ingress Controller resources as entities: KongPlugin / KongClusterPlugin configs (what
 * the controller sends to Kong, so the plugin rules apply) and Ingress paths. A file of
 * Kubernetes resources with none of KIC's kinds is refused, naming the kinds it holds.
 */
export function kicEntities(
  file: string,
  yaml: YamlFile,
  documents: readonly unknown[],
  kinds: readonly string[],
  envPlaceholders: readonly string[],
  input: string,
): EntitySet {
  if (!kinds.some((kind) => PLUGIN_KINDS.has(kind) || ROUTE_KINDS.has(kind) || OTHER_KIC_KINDS.has(kind))) {
    const named = [...new Set(kinds)].filter((kind) => /^[A-Za-z]{1,60}$/.test(kind)).join(', ');
    throw inputError(input, `${file}: Kubernetes resources (${named}) with no Kong Ingress Controller kind (KongPlugin, KongClusterPlugin, Ingress …) and no Kong declarative configuration`);
  }
  const documentLines = yaml.documentLines;
  const plugins: PluginRef[] = [];
  const routes: RouteRef[] = [];
  documents.forEach((document, index) => {
    if (!isRecord(document)) return;
    const kind = kinds[index]!;
    const at = `${file}:${documentLines[index] ?? '?'}`;
    const name = isRecord(document['metadata']) ? String(document['metadata']['name'] ?? '') : '';
    if (PLUGIN_KINDS.has(kind)) {
      const config = document['config'];
      plugins.push({ where: at, name: String(document['plugin'] ?? ''), config: isRecord(config) ? config : {} });
    }
    if (ROUTE_KINDS.has(kind)) {
      const spec = isRecord(document['spec']) ? document['spec'] : {};
      for (const rule of recordsIn(spec['rules'])) {
        const http = isRecord(rule['http']) ? rule['http'] : {};
        const entries = recordsIn(http['paths']);
        const lines = Array.isArray(http['paths']) ? yaml.itemLines(http['paths'] as unknown[]) : undefined;
        const paths = entries.flatMap((entry) => {
          const path = entry['path'];
          const index = (http['paths'] as unknown[]).indexOf(entry);
          return typeof path === 'string' ? [{ path, where: `${file}:${lines?.[index] ?? '?'}` }] : [];
        });
        routes.push({ where: `${at} (Ingress ${name})`, placement: 'ingress', paths, fields: rule });
      }
    }
  });
  return { source: 'kic', file, formatVersion: undefined, routes, plugins, services: [], envPlaceholders };
}
