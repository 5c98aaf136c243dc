// A declarative configuration as a DB-less Kong node or a hybrid data plane holds it: parsed
// from YAML or JSON, checked against the node's version, migrated as Kong migrates old formats,
// hashed as Kong hashes it, and turned into the rows the simulated proxy routes with. Kong
// sources (Kong/kong at the tags named) are cited next to each behaviour; error shapes the
// simulator could not verify are marked UNVERIFIED.
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { atLeast } from '../admin/sim-util.mjs';

/** kong/constants.lua 3.4.2 l.204 DECLARATIVE_EMPTY_CONFIG_HASH. */
export const EMPTY_CONFIG_HASH = '0'.repeat(32);

/**
 * The `_format_version` values a node accepts: kong/db/schema/others/declarative_config.lua
 * 2.8.5 l.223 ("1.1", "2.1") and 3.4.2 l.226 ("1.1", "2.1", "3.0").
 * @param {string} version
 */
export function formatVersions(version) {
  return atLeast(version, '3.0.0') ? ['1.1', '2.1', '3.0'] : ['1.1', '2.1'];
}

/**
 * Plugin fields removed in 3.0 (Kong 3.0.0 changelog, "blacklist/whitelist removed"; decK's
 * 2.8 → 3.4 converter renames them, Kong/deck convert/convert.go updatePlugins): a 3.x node
 * refuses a file still carrying them.
 */
const REMOVED_IN_3 = {
  'ip-restriction': ['blacklist', 'whitelist'],
  acl: ['blacklist', 'whitelist'],
  'bot-detection': ['blacklist', 'whitelist'],
};

/**
 * @typedef {object} LoadedConfig
 * @property {string} hash          md5 of the text (kong/db/declarative/init.lua 3.4.2 l.150), or the empty hash
 * @property {string} text
 * @property {string} formatVersion after migration
 * @property {Record<string, any[]>} entities  services, routes, upstreams, targets, consumers, plugins
 */

/**
 * @typedef {object} ConfigError
 * @property {number} status
 * @property {Record<string, unknown>} body
 */

/**
 * Parses and checks `text` for a node of `version`. Returns the loaded configuration or Kong's
 * 400 answer (kong/api/routes/config.lua 3.4.2: errors:declarative_config, code 14).
 * @param {string} text
 * @param {string} version
 * @returns {{config: LoadedConfig} | {error: ConfigError}}
 */
export function loadDeclarative(text, version) {
  let tbl;
  try {
    tbl = text.trim().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // kong/db/declarative/init.lua unserialize: "failed parsing declarative configuration: …".
    return { error: invalid({ error: `failed parsing declarative configuration: ${/** @type {Error} */ (error).message.split('\n')[0]}` }) };
  }
  if (tbl === null || typeof tbl !== 'object' || Array.isArray(tbl)) {
    return { error: invalid({ error: 'expected an object' }) };
  }
  const accepted = formatVersions(version);
  const format = tbl._format_version;
  if (format === undefined) return { error: invalid({ _format_version: 'required field missing' }) };
  if (!accepted.includes(String(format))) {
    return { error: invalid({ _format_version: `expected one of: ${accepted.join(', ')}` }) };
  }
  if (atLeast(version, '3.0.0')) migrateFormat(tbl);
  const fields = {};
  const entities = flatten(tbl, version, fields);
  if (Object.keys(fields).length > 0) return { error: invalid(fields) };
  const empty = Object.values(entities).every((list) => list.length === 0);
  return { config: { hash: empty ? EMPTY_CONFIG_HASH : md5(text), text, formatVersion: String(tbl._format_version), entities } };
}

/** kong/db/errors.lua 3.4.2 l.487 declarative_config: code 14, the fields as given. */
function invalid(fields) {
  return {
    status: 400,
    body: {
      code: 14,
      name: 'invalid declarative configuration',
      // pl_pretty's rendering of the fields is approximated by JSON (UNVERIFIED layout).
      message: `declarative config is invalid: ${JSON.stringify(fields)}`,
      fields,
    },
  };
}

/**
 * Kong 3.x loading a 1.1/2.1 file (kong/db/declarative/migrations/route_path.lua 3.4.2): the
 * paths of top-level routes and of routes nested in top-level services go through
 * migrate_path_280_300 (a regex-looking path gets `~`, percent-decoded), then the file is 3.0.
 * @param {Record<string, any>} tbl
 */
function migrateFormat(tbl) {
  if (tbl._format_version !== '1.1' && tbl._format_version !== '2.1') return;
  const migrateRoutes = (routes) => {
    for (const route of Array.isArray(routes) ? routes : []) {
      if (Array.isArray(route?.paths)) route.paths = route.paths.map(migratePath);
    }
  };
  migrateRoutes(tbl.routes);
  for (const service of Array.isArray(tbl.services) ? tbl.services : []) migrateRoutes(service?.routes);
  tbl._format_version = '3.0';
}

// Kong/kong 3.4.2 kong/db/migrations/migrate_path_280_300.lua: is_not_regex, normalize_regex.
const PLAIN = /^[a-zA-Z0-9._~/%-]*$/;
const RESERVED = new Set([0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x40, 0x5b, 0x5d]);
const ESCAPES = { 0x2e: '\\.', 0x5e: '\\^', 0x2d: '\\-', 0x7b: '\\{', 0x7d: '\\}', 0x5c: '\\\\', 0x7c: '\\|' };

/** @param {unknown} path */
function migratePath(path) {
  if (typeof path !== 'string' || path.startsWith('~') || PLAIN.test(path)) return path;
  const decoded = path.replace(/%([0-9a-fA-F]{2})/g, (whole, hex) => {
    const code = parseInt(hex, 16);
    return RESERVED.has(code) ? whole.toUpperCase() : (ESCAPES[/** @type {keyof typeof ESCAPES} */ (code)] ?? String.fromCharCode(code));
  });
  return `~${decoded}`;
}

/**
 * Entities by type, nested ones lifted out with their parent's reference, ids given or derived
 * from the entity's name (Kong derives DB-less ids from endpoint keys: declarative_config.lua
 * generate_ids; the exact UUIDs are UNVERIFIED). Field errors are written into `fields`.
 * @param {Record<string, any>} tbl @param {string} version @param {Record<string, any>} fields
 */
function flatten(tbl, version, fields) {
  /** @type {Record<string, any[]>} */
  const out = { services: [], routes: [], upstreams: [], targets: [], consumers: [], plugins: [] };
  const list = (value) => (Array.isArray(value) ? value : []);
  const addPlugin = (plugin, where, parent) => {
    const removed = atLeast(version, '3.0.0') ? (REMOVED_IN_3[/** @type {keyof typeof REMOVED_IN_3} */ (plugin?.name)] ?? []) : [];
    const bad = removed.filter((field) => plugin?.config && field in plugin.config);
    if (bad.length > 0) {
      // kong/db/schema/init.lua: a field the schema does not have is "unknown field".
      fields[where] = { config: Object.fromEntries(bad.map((field) => [field, 'unknown field'])) };
    }
    out.plugins.push({ ...plugin, id: plugin.id ?? uuidOf('plugins', `${plugin.name}:${parent ?? ''}`), ...(parent && { scope: parent }) });
  };
  list(tbl.services).forEach((service, i) => {
    const id = service.id ?? uuidOf('services', service.name ?? String(i));
    const resolved = resolveService(service);
    if (!resolved.host) fields[`services[${i}]`] = { host: 'required field missing' };
    out.services.push({ ...resolved, id, routes: undefined, plugins: undefined });
    list(service.routes).forEach((route, j) => {
      out.routes.push(routeRow(route, id, `${service.name ?? i}:${j}`));
      if (!hasMatchField(route)) fields[`services[${i}].routes[${j}]`] = { '@entity': [MATCH_FIELDS_MESSAGE] };
    });
    list(service.plugins).forEach((plugin, j) => addPlugin(plugin, `services[${i}].plugins[${j}]`, `service:${id}`));
  });
  list(tbl.routes).forEach((route, i) => {
    const ref = typeof route.service === 'string' ? route.service : (route.service?.name ?? route.service?.id);
    const service = out.services.find((s) => s.name === ref || s.id === ref);
    if (!service) fields[`routes[${i}]`] = { service: `invalid reference '${ref}'` };
    if (!hasMatchField(route)) fields[`routes[${i}]`] = { ...fields[`routes[${i}]`], '@entity': [MATCH_FIELDS_MESSAGE] };
    out.routes.push(routeRow(route, service?.id ?? null, route.name ?? String(i)));
  });
  list(tbl.upstreams).forEach((upstream, i) => {
    const id = upstream.id ?? uuidOf('upstreams', upstream.name ?? String(i));
    out.upstreams.push({ ...upstream, id, targets: undefined });
    list(upstream.targets).forEach((target) => out.targets.push({ ...target, id: target.id ?? uuidOf('targets', `${id}:${target.target}`), upstream: { id }, weight: target.weight ?? 100 }));
  });
  list(tbl.consumers).forEach((consumer, i) => out.consumers.push({ ...consumer, id: consumer.id ?? uuidOf('consumers', consumer.username ?? consumer.custom_id ?? String(i)) }));
  list(tbl.plugins).forEach((plugin, i) => addPlugin(plugin, `plugins[${i}]`, undefined));
  return out;
}

// kong/db/schema/entities/routes.lua: at least one of these must be set for http(s) routes.
const MATCH_FIELDS_MESSAGE = "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'";
const hasMatchField = (route) => ['methods', 'hosts', 'headers', 'paths', 'snis'].some((f) => Array.isArray(route?.[f]) ? route[f].length > 0 : route?.[f] && typeof route[f] === 'object');

/** A service's `url` shorthand split as Kong does (kong/db/schema/entities/services.lua shorthand_fields). */
function resolveService(service) {
  if (typeof service.url !== 'string') return { protocol: 'http', port: 80, ...service };
  const u = new URL(service.url);
  const { url: _url, ...rest } = service;
  return { ...rest, protocol: u.protocol.replace(':', ''), host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80, path: u.pathname === '/' && !service.url.endsWith('/') ? null : u.pathname };
}

function routeRow(route, serviceId, key) {
  return { ...route, id: route.id ?? uuidOf('routes', route.name ?? key), service: serviceId ? { id: serviceId } : null };
}

/** @param {string} type @param {string} key */
function uuidOf(type, key) {
  const h = md5(`${type}:${key}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** @param {string} text */
export function md5(text) {
  return createHash('md5').update(text).digest('hex');
}

/**
 * What the simulated proxy routes with (proxy/server.mjs buildRouter rows): each route joined
 * with its service, and the upstreams' targets.
 * @param {LoadedConfig | undefined} config
 */
export function proxyRows(config) {
  if (!config) return { routes: [], upstreams: [] };
  const services = new Map(config.entities.services.map((s) => [s.id, s]));
  const routes = config.entities.routes.flatMap((r) => {
    const s = services.get(r.service?.id);
    if (!s || s.enabled === false) return [];
    return [{
      id: r.id, name: r.name ?? null, created_at: new Date(0), protocols: r.protocols ?? ['http', 'https'], methods: r.methods ?? null,
      hosts: r.hosts ?? null, paths: r.paths ?? null, headers: r.headers ?? null, regex_priority: r.regex_priority ?? 0,
      strip_path: r.strip_path ?? true, preserve_host: r.preserve_host ?? false,
      s_protocol: s.protocol ?? 'http', s_host: s.host, s_port: s.port ?? 80, s_path: s.path ?? null, s_read_timeout: s.read_timeout ?? null, s_name: s.name ?? null, s_id: s.id,
    }];
  });
  const upstreamNames = new Map(config.entities.upstreams.map((u) => [u.id, u.name]));
  const upstreams = config.entities.targets.map((t) => ({ name: upstreamNames.get(t.upstream.id), target: t.target, weight: t.weight }));
  return { routes, upstreams };
}

/**
 * The 201 body of POST /config: the entities as loaded, keyed by type then id
 * (kong/api/routes/config.lua 3.4.2: kong.response.exit(201, entities) after sanitize_output).
 * @param {LoadedConfig} config
 */
export function loadedEntities(config) {
  return Object.fromEntries(Object.entries(config.entities).filter(([, list]) => list.length > 0).map(([type, list]) => [type, Object.fromEntries(list.map((e) => [e.id, e]))]));
}
