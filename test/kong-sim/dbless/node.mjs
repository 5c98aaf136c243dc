// A Kong node without a database: a DB-less node (database = off, its declarative configuration
// loaded from a file at start or through POST /config) or a hybrid data plane (role = data_plane,
// its configuration pushed by the control plane: hybrid/data-plane.mjs). Both hold the
// configuration in memory, answer /status with its hash and no database, and route the proxy
// from it. Kong sources are cited at each behaviour (Kong/kong at the tags named).
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { BUNDLED_PLUGINS } from '../admin/plugins-data.mjs';
import { atLeast, createFaultState, parseVersion, readBody, startListener } from '../admin/sim-util.mjs';
import { startProxy } from '../proxy/server.mjs';
import { EMPTY_CONFIG_HASH, loadDeclarative, loadedEntities, proxyRows } from '../declarative/config.mjs';

/**
 * @typedef {object} MemoryNodeOptions
 * @property {string} version
 * @property {'community'|'enterprise'} [edition]
 * @property {'traditional'|'data_plane'} [role]   default traditional (DB-less)
 * @property {string} [config]        declarative text loaded at start (declarative_config); a bad one fails the start, as Kong's does
 * @property {string} [cluster]       X-Kong-Sim-Cluster of proxied responses
 * @property {boolean} [adminListen]  default true for DB-less, false for a data plane (admin_listen = off)
 * @property {string} [hostname]
 * @property {string} [nodeId]
 * @property {number} [reloadIntervalMs] how often the proxy re-reads the configuration (default 100)
 * @property {import('../admin/sim-util.mjs').Faults} [proxyFaults]
 * @property {import('../admin/sim-util.mjs').Faults} [adminFaults]
 * @property {{admin?: number, status?: number, proxy?: number}} [ports]  fixed ports: a node replaced at the same address
 */

/** @param {MemoryNodeOptions} options */
export async function startMemoryNode(options) {
  const version = options.version;
  parseVersion(version);
  const role = options.role ?? 'traditional';
  const hostname = options.hostname ?? os.hostname();
  const nodeId = options.nodeId ?? randomUUID();
  const faults = createFaultState(options.adminFaults);
  /** @type {import('../declarative/config.mjs').LoadedConfig | undefined} */
  let current;
  let hash = EMPTY_CONFIG_HASH;

  if (options.config !== undefined) {
    const loaded = loadDeclarative(options.config, version);
    // kong start with a bad declarative_config exits with the parse error (kong/init.lua).
    if ('error' in loaded) throw new Error(`kong-sim: declarative_config refused: ${JSON.stringify(loaded.error.body)}`);
    current = loaded.config;
    hash = current.hash;
  }

  const proxy = await startProxy({
    version, edition: options.edition, cluster: options.cluster, faults: options.proxyFaults,
    reloadIntervalMs: options.reloadIntervalMs ?? 100, source: () => proxyRows(current), port: options.ports?.proxy,
  });

  const plugins = () => {
    const v = parseVersion(version);
    return (BUNDLED_PLUGINS[`${v.major}.${v.minor}`] ?? (v.major < 3 ? BUNDLED_PLUGINS['2.8'] : BUNDLED_PLUGINS['3.9'])).plugins;
  };

  /** kong/api/routes/kong.lua GET / with database off (a subset of configuration). */
  const root = () => ({
    tagline: 'Welcome to kong',
    version,
    ...(atLeast(version, '3.6.0') ? { edition: options.edition === 'enterprise' ? 'enterprise' : 'community' } : {}),
    hostname,
    node_id: nodeId,
    plugins: {
      available_on_server: Object.fromEntries(Object.entries(plugins()).map(([name, [priority, v]]) => [name, atLeast(version, '3.0.0') ? { version: v ?? version, priority } : true])),
      enabled_in_cluster: [...new Set((current?.entities.plugins ?? []).map((p) => p.name))].sort(),
    },
    configuration: { database: 'off', role, plugins: ['bundled'], ...(atLeast(version, '3.3.0') ? { node_id: nodeId } : {}) },
  });

  /**
   * GET /status (kong/api/routes/health.lua): on a DB-less node or data plane the
   * configuration_hash is given; 3.x drops the meaningless database key (3.4.2 l.47-56), 2.8
   * keeps database.reachable next to it (2.8.5 l.70-77).
   */
  const statusBody = () => ({
    memory: { lua_shared_dicts: {}, workers_lua_vms: [{ http_allocated_gc: '50.00 MiB', pid: process.pid }] },
    server: { connections_active: 1, connections_reading: 0, connections_writing: 1, connections_waiting: 0, connections_accepted: 1, connections_handled: 1, total_requests: 1 },
    ...(atLeast(version, '3.0.0') ? {} : { database: { reachable: true } }),
    configuration_hash: hash,
  });

  /** kong/status/ready.lua 3.4.2 is_dbless_ready: no configuration → 503. */
  const ready = () => (hash === EMPTY_CONFIG_HASH ? [503, { message: 'no configuration available (empty configuration present)' }] : [200, { message: 'ready' }]);

  /**
   * POST /config (kong/api/routes/config.lua 3.4.2): the body is the declarative table, or
   * {config: "<text>"}, or the raw text; check_hash=1 answers 304 when the hash is the current
   * one; invalid → 400 (errors:declarative_config); loaded → 201 with the entities.
   */
  const postConfig = async (req, url) => {
    const raw = (await readBody(req)).toString('utf8');
    let text = raw;
    if (/^application\/json/i.test(String(req.headers['content-type'] ?? ''))) {
      try {
        const body = JSON.parse(raw);
        if (body && typeof body === 'object' && !('_format_version' in body)) {
          if (typeof body.config !== 'string') return [400, { message: 'expected a declarative configuration' }];
          text = body.config;
        }
      } catch {
        return [400, { message: 'Cannot parse JSON body' }];
      }
    }
    if (text.trim() === '') return [400, { message: 'expected a declarative configuration' }];
    const loaded = loadDeclarative(text, version);
    if (url.searchParams.get('check_hash') === '1' && 'config' in loaded && loaded.config.hash === hash) return [304, null];
    if ('error' in loaded) {
      const flatten = ['1', 'true', 'on', 'yes'].includes(String(url.searchParams.get('flatten_errors')).toLowerCase());
      // flatten_errors=1 (3.4+): the same failure as a list per entity (errors:declarative_config_flattened, shape UNVERIFIED).
      if (flatten && atLeast(version, '3.4.0')) {
        const { fields, ...rest } = loaded.error.body;
        return [400, { ...rest, flattened_errors: Object.entries(/** @type {Record<string, unknown>} */ (fields)).map(([entity, errors]) => ({ entity, errors })) }];
      }
      return [400, loaded.error.body];
    }
    current = loaded.config;
    hash = current.hash;
    // Kong rebuilds its router on the reconfigure event before new requests see the change.
    await proxy.reload();
    return [201, loadedEntities(current)];
  };

  const COLLECTIONS = ['services', 'routes', 'consumers', 'plugins', 'upstreams', 'certificates', 'snis', 'ca_certificates'];

  const route = async (method, url, req) => {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments.length === 0) return method === 'GET' ? [200, root()] : [405, { message: 'Method not allowed' }];
    const [head, second, third] = segments;
    if (head === 'status' && segments.length === 1) return [200, statusBody()];
    if (head === 'config' && segments.length === 1) {
      if (method === 'GET') return [200, { config: current?.text ?? '' }];
      if (method === 'POST') return postConfig(req, url);
      return [405, { message: 'Method not allowed' }];
    }
    if (head === 'clustering') {
      return [400, { message: 'this endpoint is only available when Kong is configured to run as Control Plane for the cluster' }];
    }
    if (!COLLECTIONS.includes(head) && !(head === 'upstreams')) return [404, { message: 'Not found' }];
    if (method !== 'GET') {
      // kong/api/endpoints.lua with database off: writes are refused (code 12, operation unsupported).
      return [405, { code: 12, name: 'operation unsupported', message: `cannot ${method === 'POST' ? 'create' : 'change'} '${head}' entities when not using a database` }];
    }
    const list = current?.entities[head] ?? [];
    if (second === undefined) return [200, { data: list, next: null }];
    const found = list.find((e) => e.id === second || e.name === second);
    if (!found) return [404, { message: 'Not found' }];
    if (third === undefined) return [200, found];
    if (head === 'upstreams' && third === 'targets') return [200, { data: (current?.entities.targets ?? []).filter((t) => t.upstream.id === found.id), next: null }];
    return [404, { message: 'Not found' }];
  };

  const handle = (kind) => async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let status = 500;
    /** @type {unknown} */
    let body = { message: 'An unexpected error occurred' };
    try {
      if (faults.shouldFail()) {
        status = faults.get().errorStatus ?? 500;
      } else if (kind === 'status') {
        if (url.pathname === '/status') [status, body] = [200, statusBody()];
        else if (url.pathname === '/status/ready' && atLeast(version, '3.3.0')) [status, body] = ready();
        else [status, body] = [404, { message: 'Not found' }];
      } else {
        [status, body] = await route(method, url, req);
      }
    } catch {
      status = 500;
    }
    const payload = body === null ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload), Server: `kong/${version}`, 'X-Kong-Sim-Node': nodeId });
    res.end(method === 'HEAD' ? undefined : payload);
  };

  const admin = (options.adminListen ?? role !== 'data_plane') ? await startListener(handle('admin'), { port: options.ports?.admin ?? 0 }) : null;
  const statusListener = await startListener(handle('status'), { port: options.ports?.status ?? 0 });

  return {
    version,
    hostname,
    nodeId,
    role,
    adminUrl: admin ? `http://127.0.0.1:${admin.port}` : undefined,
    statusUrl: `http://127.0.0.1:${statusListener.port}`,
    proxyUrl: proxy.url,
    /** The hash of the configuration held now (the empty hash when none). */
    currentHash: () => hash,
    /** Replaces the configuration (a data plane applying what the control plane pushed, with the CP's hash). */
    async apply(/** @type {import('../declarative/config.mjs').LoadedConfig} */ config, /** @type {string} */ configHash) {
      current = config;
      await proxy.reload();
      hash = configHash;
    },
    control: {
      admin: { setFaults: async (patch) => faults.set(patch) },
      proxy: proxy.control,
    },
    async stop() {
      await Promise.allSettled([admin?.close(), statusListener.close(), proxy.stop()]);
    },
  };
}

/** A DB-less node: {@link startMemoryNode} with role traditional and database off. */
export function startDblessNode(/** @type {Omit<MemoryNodeOptions, 'role'>} */ options) {
  return startMemoryNode({ ...options, role: 'traditional' });
}
