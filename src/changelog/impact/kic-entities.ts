import { inputError } from '../../lib/errors.js';
import type { YamlFile } from '../declarative/yaml-reader.js';
import { REGEX_PREFIX } from './route-paths.js';
import { isRecord, recordsIn } from '../declarative/values.js';
import type { ControllerRef, EntitySet, PluginRef, RouteRef } from './types.js';

// Kong Ingress Controller's own resources (configuration.konghq.com) and the Kubernetes ones
// it turns into Kong routes. Other kinds in the same file (Deployments, Services …) are skipped.
const PLUGIN_KINDS = new Set(['KongPlugin', 'KongClusterPlugin']);
const ROUTE_KINDS = new Set(['Ingress', 'HTTPRoute']);
const OTHER_KIC_KINDS = new Set([
  'KongIngress', 'KongConsumer', 'KongConsumerGroup', 'TCPIngress', 'UDPIngress', 'KongUpstreamPolicy', 'KongVault',
  'KongCustomEntity', 'KongLicense', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'TLSRoute', 'IngressClassParameters',
]);
// The controller's own Ingress regex marker, replaced by Kong's `~` (KIC 2.7.0+; Kong/kubernetes-ingress-controller
// v3.4.0 internal/dataplane/translator/subtranslator/subtranslator_vars.go ControllerPathRegexPrefix), and the
// annotation that overrides it per Ingress (internal/annotations/annotations.go RegexPrefixKey).
const CONTROLLER_REGEX_PREFIX = '/~';
const REGEX_PREFIX_ANNOTATION = 'konghq.com/regex-prefix';
// KIC's default --ingress-class.
const DEFAULT_INGRESS_CLASS = 'kong';
// The controller's image (Kong/charts charts/kong/values.yaml ingressController.image.repository).
const CONTROLLER_IMAGE = /(^|\/)kubernetes-ingress-controller$/;

/** The Kubernetes kinds of a file's documents, when it is a file of Kubernetes resources. */
export function kindsOf(documents: readonly unknown[]): string[] {
  const kinds = documents.map((document) => (isRecord(document) && typeof document['apiVersion'] === 'string' ? document['kind'] : undefined));
  return kinds.every((kind): kind is string => typeof kind === 'string') ? kinds : [];
}

/**
 * Kong Ingress Controller resources as entities: KongPlugin / KongClusterPlugin configs (what
 * the controller sends to Kong, so the plugin rules apply), Ingress paths and HTTPRoute regex
 * paths as Kong gets them, and the controller's own containers (its version). A file of
 * Kubernetes resources with none of KIC's kinds and no controller is refused, naming the kinds
 * it holds.
 */
export function kicEntities(
  file: string,
  yaml: YamlFile,
  documents: readonly unknown[],
  kinds: readonly string[],
  envPlaceholders: readonly string[],
  input: string,
): EntitySet {
  const controllers = controllersIn(file, documents, kinds, yaml.documentLines);
  if (controllers.length === 0 && !kinds.some((kind) => PLUGIN_KINDS.has(kind) || ROUTE_KINDS.has(kind) || OTHER_KIC_KINDS.has(kind))) {
    const named = [...new Set(kinds)].filter((kind) => /^[A-Za-z]{1,60}$/.test(kind)).join(', ');
    throw inputError(input, `${file}: Kubernetes resources (${named}) with no Kong Ingress Controller kind (KongPlugin, KongClusterPlugin, Ingress, HTTPRoute …), no ingress controller Deployment and no Kong declarative configuration`);
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
    const spec = isRecord(document['spec']) ? document['spec'] : {};
    if (kind === 'Ingress') {
      const annotations = annotationsOf(document);
      const prefix = annotations[REGEX_PREFIX_ANNOTATION] ?? CONTROLLER_REGEX_PREFIX;
      const legacy = legacyRegexDetection(documents, kinds, ingressClassOf(spec, annotations), file, yaml.documentLines);
      for (const rule of recordsIn(spec['rules'])) {
        const http = isRecord(rule['http']) ? rule['http'] : {};
        const paths = pathsOf(file, yaml, http['paths'], (entry) => {
          const path = entry['path'];
          if (typeof path !== 'string') return undefined;
          // What Kong gets: the controller's marker becomes Kong's `~`.
          return path.startsWith(prefix) ? `${REGEX_PREFIX}${path.slice(prefix.length)}` : path;
        });
        routes.push({ where: `${at} (Ingress ${name})`, placement: 'ingress', paths, fields: rule, ...(legacy === undefined ? {} : { legacyRegexDetection: legacy }) });
      }
    }
    if (kind === 'HTTPRoute') {
      for (const rule of recordsIn(spec['rules'])) {
        // The controller gives a RegularExpression match Kong's `~` itself on Kong 3.x
        // (v2.12.0 internal/dataplane/parser/translate_httproute.go); other match types are no regex.
        const paths = pathsOf(file, yaml, rule['matches'], (match) => {
          const path = isRecord(match['path']) ? match['path'] : {};
          return path['type'] === 'RegularExpression' && typeof path['value'] === 'string' ? `${REGEX_PREFIX}${path['value']}` : undefined;
        });
        if (paths.length > 0) routes.push({ where: `${at} (HTTPRoute ${name})`, placement: 'httproute', paths, fields: rule });
      }
    }
  });
  return { source: 'kic', file, formatVersion: undefined, routes, plugins, services: [], envPlaceholders, controllers };
}

/** The paths of a list (Ingress paths, HTTPRoute matches), each at its own line. */
function pathsOf(file: string, yaml: YamlFile, list: unknown, read: (entry: Record<string, unknown>) => string | undefined): RouteRef['paths'] {
  if (!Array.isArray(list)) return [];
  const lines = yaml.itemLines(list as unknown[]);
  return list.flatMap((entry, index) => {
    const path = isRecord(entry) ? read(entry) : undefined;
    return path === undefined ? [] : [{ path, where: `${file}:${lines?.[index] ?? '?'}` }];
  });
}

function annotationsOf(document: Record<string, unknown>): Record<string, string> {
  const metadata = isRecord(document['metadata']) ? document['metadata'] : {};
  const annotations = isRecord(metadata['annotations']) ? metadata['annotations'] : {};
  return Object.fromEntries(Object.entries(annotations).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function ingressClassOf(spec: Record<string, unknown>, annotations: Record<string, string>): string {
  const named = spec['ingressClassName'];
  return typeof named === 'string' ? named : (annotations['kubernetes.io/ingress.class'] ?? DEFAULT_INGRESS_CLASS);
}

/**
 * Where the 2.x regex heuristic is on for an Ingress class: its IngressClass's parameters name
 * an IngressClassParameters with `enableLegacyRegexDetection: true` (KIC 2.6.0+; v3.4.0
 * internal/store/store.go GetIngressClassParametersV1Alpha1). Only what the same files hold.
 */
function legacyRegexDetection(documents: readonly unknown[], kinds: readonly string[], className: string, file: string, lines: readonly number[]): string | undefined {
  const named = (kind: string, name: string) => documents.findIndex((d, i) => kinds[i] === kind && isRecord(d) && isRecord(d['metadata']) && d['metadata']['name'] === name);
  const ingressClass = documents[named('IngressClass', className)];
  const spec = isRecord(ingressClass) && isRecord(ingressClass['spec']) ? ingressClass['spec'] : {};
  const parameters = isRecord(spec['parameters']) ? spec['parameters'] : {};
  if (parameters['kind'] !== 'IngressClassParameters' || typeof parameters['name'] !== 'string') return undefined;
  const index = named('IngressClassParameters', parameters['name']);
  const found = documents[index];
  if (!isRecord(found) || !isRecord(found['spec']) || found['spec']['enableLegacyRegexDetection'] !== true) return undefined;
  return `${file}:${lines[index] ?? '?'} (IngressClassParameters ${parameters['name']} of IngressClass ${className})`;
}

/**
 * The ingress controller containers of the file's Deployments (`helm template` or `kubectl get
 * deployment -o yaml` output; a `List` of them too), with the version their image tag names.
 */
function controllersIn(file: string, documents: readonly unknown[], kinds: readonly string[], lines: readonly number[]): ControllerRef[] {
  return documents.flatMap((document, index) => {
    const items = kinds[index] === 'List' && isRecord(document) ? recordsIn(document['items']) : [document];
    return items.flatMap((item) => {
      if (!isRecord(item) || item['kind'] !== 'Deployment') return [];
      const template = isRecord(item['spec']) && isRecord(item['spec']['template']) ? item['spec']['template'] : {};
      const pod = isRecord(template['spec']) ? template['spec'] : {};
      return recordsIn(pod['containers']).flatMap((container): ControllerRef[] => {
        const image = container['image'];
        if (typeof image !== 'string') return [];
        const { repository, tag } = splitImage(image);
        if (!CONTROLLER_IMAGE.test(repository)) return [];
        const version = /^v?(\d+)\.(\d+)(?:[.-]|$)/.exec(tag ?? '');
        const name = isRecord(item['metadata']) ? String(item['metadata']['name'] ?? '') : '';
        return [{ where: `${file}:${lines[index] ?? '?'} (Deployment ${name}, container ${String(container['name'] ?? '')})`, image, version: version === null ? undefined : `${version[1]}.${version[2]}` }];
      });
    });
  });
}

/** `[registry[:port]/]path[:tag][@digest]`: the tag is after the last `:` that follows the last `/`. */
function splitImage(image: string): { repository: string; tag: string | undefined } {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? { repository: name.slice(0, colon), tag: name.slice(colon + 1) } : { repository: name, tag: undefined };
}
