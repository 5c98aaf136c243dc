// Simulated Kong Admin API (and Status API listener) serving from a real PostgreSQL database whose
// tables are Kong's (test/kong-sim/db/schema.mjs). It exists so smoke-test and promote can be tested
// without Kong; it must be faithful, because a kinder simulator hides bugs.
//
// Facts: /work/shared/kong-facts/changelog-and-admin-api.md Part B. Kong sources cited next to each
// Kong string are in Kong/kong at the tags named (2.8.5, 3.4.2, 3.6.0 …). Behaviour we could not
// verify in Kong's source is marked UNVERIFIED.
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { BUNDLED_PLUGINS } from './plugins-data.mjs';
import { atLeast, createFaultState, parseVersion, readBody, sleep, startListener } from './sim-util.mjs';

/** Kong's generic bodies per status: kong/error_handlers.lua BODIES (3.4.2) / kong/pdk/response.lua. */
export const KONG_BODIES = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

/**
 * Admin API collections: endpoint → table, the unique field usable instead of the id in
 * `/<endpoint>/{id|key}` (schema `endpoint_key`, kong/db/schema/entities/*.lua), and for targets the
 * millisecond timestamps (targets.lua: typedefs.auto_timestamp_ms).
 * @type {Record<string, {table: string, key?: string, ms?: boolean, ee?: boolean}>}
 */
const COLLECTIONS = {
  services: { table: 'services', key: 'name' },
  routes: { table: 'routes', key: 'name' },
  consumers: { table: 'consumers', key: 'username' },
  plugins: { table: 'plugins', key: 'instance_name' },
  upstreams: { table: 'upstreams', key: 'name' },
  targets: { table: 'targets', ms: true },
  certificates: { table: 'certificates' },
  snis: { table: 'snis', key: 'name' },
  ca_certificates: { table: 'ca_certificates' },
  // EE only (docs app/_src/gateway/admin-api/consumer-groups/reference.md); OSS has no such entity → 404.
  consumer_groups: { table: 'consumer_groups', key: 'name', ee: true },
  workspaces: { table: 'workspaces', key: 'name' },
};

/**
 * Nested collections (kong/api/endpoints.lua generates `/<parent>/{parent}/<children>` for each
 * foreign key): child endpoint → foreign key column, per parent.
 * @type {Record<string, Record<string, string>>}
 */
const NESTED = {
  services: { routes: 'service_id', plugins: 'service_id' },
  routes: { plugins: 'route_id' },
  consumers: { plugins: 'consumer_id' },
  upstreams: { targets: 'upstream_id' },
  certificates: { snis: 'certificate_id' },
};

/** Columns Kong never shows: ws_id (stripped by the DAO unless show_ws_id), cache_key (not a schema field). */
const HIDDEN = new Set(['ws_id', 'cache_key']);

/**
 * Route columns 016_280_to_300 adds that only the `expressions` router's schema has: 3.x picks
 * the routes schema by router_flavor (kong/db/schema/entities/routes.lua 3.4.2: the expression
 * and priority fields only when kong.configuration.router_flavor == "expressions"), and this
 * simulator runs the default traditional_compatible. Observed on Kong 3.4.2 built here: routes
 * come back without them.
 */
const EXPRESSIONS_ONLY = new Set(['expression', 'priority']);

/** Foreign-key columns rendered as `{ "<name>": { "id": … } }` like Kong's DAO does. */
const FOREIGN = {
  service_id: 'service', route_id: 'route', consumer_id: 'consumer', upstream_id: 'upstream',
  certificate_id: 'certificate', client_certificate_id: 'client_certificate', consumer_group_id: 'consumer_group',
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** node-postgres returns int8 as strings; Kong returns numbers (port, retries, timeouts are BIGINT). */
const TYPES = {
  getTypeParser(oid, format) {
    if (oid === 20) return (v) => (v === null ? null : Number(v));
    if (oid === 1016) {
      const parseArray = pg.types.getTypeParser(1016, format);
      return (v) => (v === null ? null : parseArray(v).map(Number));
    }
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * @typedef {object} AdminApiOptions
 * @property {string | import('pg').PoolConfig} pg  connection string or node-postgres config
 * @property {string} version          Kong version reported ("3.4.2"; EE "3.4.2.0")
 * @property {'community'|'enterprise'} [edition] default community
 * @property {string} [rbacToken]      require this Kong-Admin-Token on every Admin API request
 * @property {boolean} [statusListen]  start the Status API listener (default true)
 * @property {'traditional'|'control_plane'} [role] default traditional
 * @property {object[]} [dataPlanes]   rows served by /clustering/data-planes on a control plane
 * @property {import('./sim-util.mjs').Faults} [faults]
 * @property {string} [hostname]
 * @property {string} [nodeId]
 * @property {number} [port]           listen on this port (default: a free one)
 */

/**
 * Starts the simulated Admin API (+ Status API) on 127.0.0.1.
 * @param {AdminApiOptions} options
 */
export async function startAdminApi(options) {
  const version = options.version;
  parseVersion(version);
  const enterprise = options.edition === 'enterprise';
  const role = options.role ?? 'traditional';
  const hostname = options.hostname ?? os.hostname();
  const nodeId = options.nodeId ?? randomUUID();
  const faults = createFaultState(options.faults);
  /** @type {object[] | undefined} undefined: the clustering_data_planes rows data planes wrote (hybrid/control-plane.mjs) */
  let dataPlanes = options.dataPlanes;

  const poolConfig = typeof options.pg === 'string' ? { connectionString: options.pg } : { ...options.pg };
  const pool = new pg.Pool({ ...poolConfig, max: 4, connectionTimeoutMillis: 1500, idleTimeoutMillis: 2000, types: TYPES });
  // A stopped database must not crash the process: idle clients emit 'error' when PG goes away.
  pool.on('error', () => {});

  /** Runs a query unless the DB is made to look unreachable. */
  const query = async (text, values) => {
    if (faults.get().dbUnreachable) throw Object.assign(new Error('connection refused (simulated)'), { code: 'ECONNREFUSED' });
    return pool.query(text, values);
  };

  /** Columns per table, cached briefly (migrations may add tables while the node runs). */
  let columnsCache = { at: 0, /** @type {Map<string, {name: string, type: string}[]>} */ tables: new Map() };
  const columns = async () => {
    if (Date.now() - columnsCache.at < 2000) return columnsCache.tables;
    const res = await query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`);
    const tables = new Map();
    for (const r of res.rows) {
      if (!tables.has(r.table_name)) tables.set(r.table_name, []);
      tables.get(r.table_name).push({ name: r.column_name, type: r.data_type });
    }
    columnsCache = { at: Date.now(), tables };
    return tables;
  };

  /**
   * The version Kong reports (GET /, Server). Enterprise 1.x/2.x append the edition: kong/meta.lua
   * of those releases sets _VERSION and _SERVER_TOKENS from ee_meta.versions.package ..
   * "-enterprise-edition" (e.g. 2.8.1.1-enterprise-edition); from 3.0 the four numbers alone.
   */
  const reportedVersion = () => {
    const v = faults.get().version ?? version;
    return enterprise && !atLeast(v, '3.0.0') && !/-enterprise-edition$/.test(v) ? `${v}-enterprise-edition` : v;
  };
  const serverHeader = () => `kong/${reportedVersion()}`;

  /** Kong's root endpoint: kong/api/routes/kong.lua ["/"] GET (2.8.5 l.94-110, 3.4.2 l.106-122, 3.6.0 l.130-147). */
  const root = async () => {
    const reported = reportedVersion();
    const distinct = [];
    // kong.db.plugins:each() over the plugins table; a failure → 500 "An unexpected error happened"
    // (sic, "happened": kong/api/routes/kong.lua).
    try {
      const res = await query('SELECT DISTINCT name FROM plugins ORDER BY name');
      for (const r of res.rows) distinct.push(r.name);
    } catch {
      return [500, { message: 'An unexpected error happened' }];
    }
    /** @type {Record<string, unknown>} */
    const available = {};
    for (const [name, [priority, pluginVersion]] of Object.entries(bundledPlugins())) {
      // 2.8: configuration.loaded_plugins, a {name: true} set; 3.0+: {name: {version, priority}}
      // (3.0.0 breaking change #8810).
      available[name] = atLeast(version, '3.0.0') ? { version: pluginVersion ?? version, priority } : true;
    }
    /** @type {Record<string, unknown>} */
    const body = {
      tagline: 'Welcome to kong', // "Welcome to " .. _KONG._NAME (kong/api/routes/kong.lua)
      version: reported,
    };
    // edition from 3.6.0 (c014727394, #12097): meta._VERSION:match("enterprise") and "enterprise" or "community".
    if (atLeast(version, '3.6.0')) body.edition = enterprise ? 'enterprise' : 'community';
    Object.assign(body, {
      hostname,
      node_id: nodeId,
      timers: { running: 0, pending: 0 },
      plugins: {
        available_on_server: available,
        enabled_in_cluster: distinct,
        // EE OpenAPI examples (api-specs/Gateway-EE/*/kong-ee*.yaml) show this extra map; its contents UNVERIFIED.
        ...(enterprise ? { disabled_on_server: {} } : {}),
      },
      // The LuaJIT banner per release is UNVERIFIED beyond 2.8's "LuaJIT 2.1.0-beta3".
      lua_version: 'LuaJIT 2.1.0-beta3',
      configuration: configuration(reported),
      pids: { master: process.pid, workers: [process.pid] },
    });
    return [200, body];
  };

  /** name → [priority, version] of the plugins this version bundles. */
  const bundledPlugins = () => {
    const v = parseVersion(version);
    return (BUNDLED_PLUGINS[`${v.major}.${v.minor}`] ?? (v.major < 3 ? BUNDLED_PLUGINS['2.8'] : BUNDLED_PLUGINS['3.9'])).plugins;
  };

  /** A subset of kong.configuration after remove_sensitive (kong/conf_loader: pg_password → "******"). */
  const configuration = (reported) => ({
    database: 'postgres',
    pg_host: poolConfig.host ?? hostFromUrl(poolConfig.connectionString),
    pg_port: poolConfig.port ?? portFromUrl(poolConfig.connectionString),
    pg_password: '******',
    role,
    admin_listen: [`127.0.0.1:${admin?.port ?? 0}`],
    proxy_listen: ['0.0.0.0:8000', '0.0.0.0:8443 ssl'],
    status_listen: status ? [`127.0.0.1:${status.port}`] : ['off'],
    plugins: ['bundled'],
    log_level: 'notice',
    ...(atLeast(version, '3.0.0') ? { router_flavor: 'traditional_compatible' } : {}),
    ...(atLeast(version, '3.3.0') ? { node_id: nodeId } : {}),
    kong_sim_version: reported,
  });

  /** Is the database reachable? (kong/api/routes/health.lua: kong.db:connect(), reachable = false on error). */
  const dbReachable = async () => {
    try {
      await query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  };

  /** GET /status: kong/api/routes/health.lua; unit/scale query args validated by kong/pdk/node.lua. */
  const statusBody = async (listener, url) => {
    const unit = url.searchParams.get('unit') ?? 'm';
    if (!/^[bkmgBKMG]$/.test(unit)) {
      // UNVERIFIED exact text (kong/tools/utils.lua bytes_to_str error for an invalid unit).
      return [400, { message: `invalid unit '${unit}' (expected 'k/K', 'm/M', or 'g/G')` }];
    }
    const active = listener.sockets.size;
    return [200, {
      memory: {
        lua_shared_dicts: {
          kong: { allocated_slabs: '0.04 MiB', capacity: '5.00 MiB' },
          kong_db_cache: { allocated_slabs: '0.80 MiB', capacity: '128.00 MiB' },
        },
        workers_lua_vms: [{ http_allocated_gc: '50.00 MiB', pid: process.pid }],
      },
      server: {
        connections_active: active,
        connections_reading: 0,
        connections_writing: 1,
        connections_waiting: Math.max(0, active - 1),
        connections_accepted: listener.stats.accepted,
        connections_handled: listener.stats.handled,
        total_requests: listener.stats.requests,
      },
      // DB down → still 200 with reachable false (smoke tests must read the body).
      database: { reachable: await dbReachable() },
    }];
  };

  /** Resolves the workspace for a request: EE `/<ws>/...` prefix or `default`. */
  const workspaceOf = async (name) => {
    const tables = await columns();
    if (!tables.has('workspaces')) return { id: null, name: 'default' };
    const res = await query('SELECT id, name FROM workspaces WHERE name = $1 OR id::text = $1 LIMIT 1', [name]);
    return res.rows[0] ?? null;
  };

  /** Row → entity as Kong's DAO renders it. */
  const toEntity = (coll, cols, row) => {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const c of cols) {
      if (HIDDEN.has(c.name)) continue;
      if (coll.table === 'routes' && EXPRESSIONS_ONLY.has(c.name)) continue;
      const value = row[c.name];
      const fk = FOREIGN[c.name];
      if (fk && coll.table !== 'ratelimiting_metrics') {
        out[fk] = value == null ? null : { id: value };
        continue;
      }
      if (value instanceof Date) {
        // typedefs.auto_timestamp_s (integer seconds) / auto_timestamp_ms for targets.
        out[c.name] = coll.ms ? Math.floor(value.getTime()) / 1000 : Math.floor(value.getTime() / 1000);
        continue;
      }
      out[c.name] = value;
    }
    return out;
  };

  /** Finds one entity by id or endpoint key, in a workspace. */
  const selectEntity = async (coll, ws, idOrKey) => {
    const tables = await columns();
    const cols = tables.get(coll.table);
    if (!cols) return null;
    const hasWs = cols.some((c) => c.name === 'ws_id') && ws.id;
    const values = [idOrKey];
    let where;
    if (UUID_RE.test(idOrKey)) where = 'id = $1';
    else if (coll.key && cols.some((c) => c.name === coll.key)) where = `"${coll.key}" = $1`;
    else return null;
    if (hasWs) {
      values.push(ws.id);
      where += ` AND ws_id = $2`;
    }
    const res = await query(`SELECT * FROM "${coll.table}" WHERE ${where} LIMIT 1`, values);
    return res.rows[0] ? { row: res.rows[0], cols } : null;
  };

  /**
   * Pages a collection like kong/api/endpoints.lua get_collection_endpoint + the postgres strategy
   * page (kong/db/strategies/postgres/init.lua: ORDER BY pk LIMIT size+1; offset = base64(json([pk]))
   * without padding, the last row of the page).
   */
  const pageCollection = async (endpoint, coll, ws, url, nested) => {
    const args = url.searchParams;
    // kong/api/endpoints.lua get_page_size: tonumber(size) or "size must be a number" (code 9).
    const sizes = args.getAll('size');
    let size = 100; // extract_options: page_size = 100
    if (sizes.length > 0) {
      const n = sizes.length === 1 ? luaToNumber(sizes[0]) : null;
      if (n === null) return [400, { code: 9, name: 'invalid size', message: 'size must be a number' }];
      // kong/db/dao/init.lua validate_size_value: max_page_size = 1000.
      if (!Number.isInteger(n) || n < 1 || n > 1000) {
        return [400, { code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' }];
      }
      size = n;
    }
    const tables = await columns();
    const cols = tables.get(coll.table);
    if (!cols) return [500, { message: KONG_BODIES[500] }];
    const where = [];
    const values = [];
    if (cols.some((c) => c.name === 'ws_id') && ws.id && coll.table !== 'workspaces') {
      values.push(ws.id);
      where.push(`ws_id = $${values.length}`);
    }
    if (nested) {
      values.push(nested.id);
      where.push(`"${nested.column}" = $${values.length}`);
    }
    const tags = args.get('tags');
    if (tags && !nested && cols.some((c) => c.name === 'tags')) {
      const or = tags.includes('/');
      values.push(tags.split(or ? '/' : ','));
      where.push(`tags ${or ? '&&' : '@>'} $${values.length}::text[]`);
    }
    const offset = args.get('offset');
    if (offset !== null) {
      // kong/db/strategies/postgres/init.lua page: decode_base64 → "bad base64 encoding",
      // cjson decode → "bad json encoding"; message from kong/db/errors.lua invalid_offset.
      const decoded = decodeBase64(offset);
      if (decoded === null) return [400, { code: 7, name: 'invalid offset', message: `'${offset}' is not a valid offset: bad base64 encoding` }];
      let token;
      try {
        token = JSON.parse(decoded);
      } catch {
        return [400, { code: 7, name: 'invalid offset', message: `'${offset}' is not a valid offset: bad json encoding` }];
      }
      const id = Array.isArray(token) ? token[0] : undefined;
      // A token that decodes but is not a uuid makes the statement fail in PG: a database error (500).
      if (typeof id !== 'string' || !UUID_RE.test(id)) return [500, { message: KONG_BODIES[500] }];
      values.push(id);
      where.push(`id > $${values.length}`);
    }
    values.push(size + 1);
    const sql = `SELECT * FROM "${coll.table}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${values.length}`;
    const res = await query(sql, values);
    const rows = res.rows.slice(0, size);
    const data = rows.map((r) => toEntity(coll, cols, r));
    /** @type {Record<string, unknown>} */
    const body = { data };
    if (res.rows.length > size) {
      const last = rows[rows.length - 1];
      const token = Buffer.from(JSON.stringify([last.id])).toString('base64').replace(/=+$/, '');
      body.offset = token;
      if (nested) {
        // Nested collections never carry size or tags (kong/api/endpoints.lua, foreign branch); the
        // parent is written as the client gave it (self.params[foreign_schema.name]).
        body.next = `/${nested.parentEndpoint}/${nested.param}/${endpoint}?offset=${escapeUri(token)}`;
      } else {
        let next = `/${endpoint}?offset=${escapeUri(token)}`;
        if (tags) next += `&tags=${escapeUri(tags)}`;
        // `&size=` from 3.1.0 (2.8.x and 3.0.x keep only &tags=): kong/api/endpoints.lua next_page_size.
        if (sizes.length === 1 && atLeast(version, '3.1.0')) next += `&size=${sizes[0]}`;
        body.next = next;
      }
    } else {
      // Last page: next is JSON null and offset absent
      // (3.4.0 spec/02-integration/04-admin_api/09-routes_routes_spec.lua:528).
      body.next = null;
    }
    return [200, body];
  };

  /** Minimal POST: Kong schema defaults for the fields tests need (kong/db/schema/entities/*.lua). */
  const createEntity = async (endpoint, coll, ws, input, nested) => {
    const tables = await columns();
    const cols = tables.get(coll.table);
    if (!cols) return [500, { message: KONG_BODIES[500] }];
    const has = (name) => cols.some((c) => c.name === name);
    /** @type {Record<string, unknown>} */
    let row = { id: input.id ?? randomUUID() };
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    for (const field of INTEGER_FIELDS[endpoint] ?? []) {
      const value = input[field];
      if (value !== undefined && value !== null && !Number.isInteger(value)) {
        // kong/db/schema/init.lua validate_field: "expected an integer" (observed on Kong 2.8.5 built
        // here for a form-encoded port=notanumber).
        return [400, { code: 2, name: 'schema violation', message: `schema violation (${field}: expected an integer)`, fields: { [field]: 'expected an integer' } }];
      }
    }
    if (endpoint === 'services') {
      let fields = { ...input };
      if (typeof input.url === 'string') {
        const u = new URL(input.url);
        fields = { ...fields, protocol: u.protocol.replace(':', ''), host: u.hostname, port: u.port ? Number(u.port) : (u.protocol === 'https:' ? 443 : 80), path: u.pathname === '/' && !input.url.endsWith('/') ? null : u.pathname };
        delete fields.url;
      }
      if (!fields.host) {
        // kong/db/schema/init.lua "required field missing"; message via kong/db/errors.lua schema_violation.
        return [400, { code: 2, name: 'schema violation', message: 'schema violation (host: required field missing)', fields: { host: 'required field missing' } }];
      }
      row = { ...row, name: fields.name ?? null, protocol: fields.protocol ?? 'http', host: fields.host, port: fields.port ?? 80, path: fields.path ?? null, retries: fields.retries ?? 5, connect_timeout: fields.connect_timeout ?? 60000, write_timeout: fields.write_timeout ?? 60000, read_timeout: fields.read_timeout ?? 60000, tags: fields.tags ?? null, enabled: fields.enabled ?? true, created_at: now, updated_at: now };
    } else if (endpoint === 'routes') {
      const serviceId = nested?.id ?? input.service?.id ?? null;
      row = { ...row, name: input.name ?? null, service_id: serviceId, protocols: input.protocols ?? ['http', 'https'], methods: input.methods ?? null, hosts: input.hosts ?? null, paths: input.paths ?? null, headers: input.headers ?? null, regex_priority: input.regex_priority ?? 0, strip_path: input.strip_path ?? true, preserve_host: input.preserve_host ?? false, https_redirect_status_code: input.https_redirect_status_code ?? 426, path_handling: input.path_handling ?? 'v0', request_buffering: input.request_buffering ?? true, response_buffering: input.response_buffering ?? true, tags: input.tags ?? null, created_at: now, updated_at: now };
    } else if (endpoint === 'consumers') {
      if (!input.username && !input.custom_id) {
        // kong/db/schema/init.lua AT_LEAST_ONE_OF.
        const msg = "at least one of these fields must be non-empty: 'custom_id', 'username'";
        return [400, { code: 2, name: 'schema violation', message: `schema violation (${msg})`, fields: { '@entity': [msg] } }];
      }
      row = { ...row, username: input.username ?? null, custom_id: input.custom_id ?? null, tags: input.tags ?? null, created_at: now };
    } else if (endpoint === 'plugins') {
      if (!input.name) {
        return [400, { code: 2, name: 'schema violation', message: 'schema violation (name: required field missing)', fields: { name: 'required field missing' } }];
      }
      const v = parseVersion(version);
      const bundled = (BUNDLED_PLUGINS[`${v.major}.${v.minor}`] ?? BUNDLED_PLUGINS['3.9']).plugins;
      if (!(input.name in bundled)) {
        // kong/db/schema/entities/plugins.lua subschema_error.
        const msg = `plugin '${input.name}' not enabled; add it to the 'plugins' configuration property`;
        return [400, { code: 2, name: 'schema violation', message: `schema violation (name: ${msg})`, fields: { name: msg } }];
      }
      row = { ...row, name: input.name, config: input.config ?? {}, enabled: input.enabled ?? true, protocols: input.protocols ?? ['grpc', 'grpcs', 'http', 'https'], service_id: (nested?.column === 'service_id' ? nested.id : input.service?.id) ?? null, route_id: (nested?.column === 'route_id' ? nested.id : input.route?.id) ?? null, consumer_id: (nested?.column === 'consumer_id' ? nested.id : input.consumer?.id) ?? null, tags: input.tags ?? null, created_at: now };
      row.cache_key = `plugins:${input.name}:${row.route_id ?? ''}:${row.service_id ?? ''}:${row.consumer_id ?? ''}::${ws.id ?? ''}`;
    } else if (endpoint === 'upstreams') {
      if (!input.name) {
        return [400, { code: 2, name: 'schema violation', message: 'schema violation (name: required field missing)', fields: { name: 'required field missing' } }];
      }
      // kong/db/schema/entities/upstreams.lua: slots default 10000 (between 10 and 2^16).
      row = { ...row, name: input.name, slots: input.slots ?? 10000, tags: input.tags ?? null, created_at: now };
    } else if (endpoint === 'targets') {
      if (!nested) return [405, { message: 'Method not allowed' }];
      const checked = checkTarget(input, true);
      if (checked.error) return checked.error;
      // Kong ≥ 2.2 keeps one row per (upstream, target): a second POST of the same target is a
      // unique violation (cache_key is unique, kong/db/schema/entities/targets.lua). The exact
      // error text for this case is UNVERIFIED.
      const existing = await query('SELECT id FROM targets WHERE upstream_id = $1 AND target = $2 LIMIT 1', [nested.id, checked.target]);
      if (existing.rows.length > 0) {
        return [409, { code: 5, name: 'unique constraint violation', message: `UNIQUE violation detected on '{target="${checked.target}"}'`, fields: { target: checked.target } }];
      }
      row = { ...row, upstream_id: nested.id, target: checked.target, weight: checked.weight ?? 100, tags: input.tags ?? null, created_at: new Date() };
      row.cache_key = `targets:${nested.id}:${checked.target}::::${ws.id ?? ''}`;
    } else {
      return [405, { message: 'Method not allowed' }];
    }
    if (has('ws_id') && ws.id) row.ws_id = ws.id;
    const names = Object.keys(row).filter(has);
    const placeholders = names.map((_, i) => `$${i + 1}`);
    try {
      const res = await query(
        `INSERT INTO "${coll.table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${placeholders.join(', ')}) RETURNING *`,
        names.map((n) => (n === 'config' || n === 'headers' ? JSON.stringify(row[n]) : row[n])));
      return [201, toEntity(coll, cols, res.rows[0])];
    } catch (error) {
      const e = /** @type {{code?: string, detail?: string}} */ (error);
      if (e.code === '23505') {
        // kong/db/errors.lua unique_violation: "UNIQUE violation detected on '{name="x"}'".
        const m = /\((?:ws_id, )?"?(\w+)"?\)=\((?:[^,]+, )?(.*)\)/.exec(e.detail ?? '');
        const field = m?.[1] ?? 'id';
        const value = m?.[2] ?? '';
        return [409, { code: 5, name: 'unique constraint violation', message: `UNIQUE violation detected on '{${field}="${value}"}'`, fields: { [field]: value } }];
      }
      if (e.code === '23503') {
        // kong/db/errors.lua foreign_key_violation_invalid_reference.
        const m = /Key \((\w+)\)=\(([^)]*)\)/.exec(e.detail ?? '');
        const fk = FOREIGN[m?.[1] ?? ''] ?? 'service';
        return [400, { code: 4, name: 'foreign key violation', message: `the foreign key '{id="${m?.[2]}"}' does not reference an existing '${fk}s' entity.`, fields: { [fk]: { id: m?.[2] } } }];
      }
      throw error;
    }
  };

  /** Routes one Admin API request (after RBAC and faults). */
  const route = async (method, url, req) => {
    let segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments.length === 0) {
      if (method === 'GET' || method === 'HEAD') return root();
      return [405, { message: 'Method not allowed' }];
    }
    // Endpoints that do not touch a workspace's entities answer without reading the database first
    // (GET /status must answer 200 with reachable=false when PG is down: kong/api/routes/health.lua).
    {
      const [h, s2] = segments;
      if (h === 'status' && segments.length === 1) {
        if (method !== 'GET') return [405, { message: 'Method not allowed' }];
        return statusBody(admin, url);
      }
      // /targets is disabled (kong/api/routes/targets.lua: ["/targets"] = endpoints.disable → 404).
      if (h === 'targets') return [404, { message: 'Not found' }];
      if (h === 'clustering' && s2 === 'data-planes' && segments.length === 2) {
        // kong/api/routes/clustering.lua: only on a control plane.
        if (role !== 'control_plane') {
          return [400, { message: 'this endpoint is only available when Kong is configured to run as Control Plane for the cluster' }];
        }
        return pageList('clustering/data-planes', dataPlanes ?? (await storedDataPlanes()), url);
      }
      if (h === 'plugins' && s2 === 'enabled' && segments.length === 2) {
        // kong/api/routes/plugins.lua ["/plugins/enabled"] GET: {enabled_plugins = <loaded plugin
        // names>} (observed on Kong 2.8.5 built here). Kong walks kong.configuration.loaded_plugins
        // with pairs(): its order is LuaJIT's hash order, so this list's order is not Kong's.
        if (method !== 'GET') return [405, { message: 'Method not allowed' }];
        return [200, { enabled_plugins: Object.keys(bundledPlugins()) }];
      }
      if (h === 'endpoints' && segments.length === 1) {
        // kong/api/routes/kong.lua ["/endpoints"] (a subset: the routes this simulator serves).
        return [200, { data: ['/', '/status', ...Object.keys(COLLECTIONS).filter((c) => enterprise || !COLLECTIONS[c].ee).map((c) => `/${c}`)] }];
      }
    }
    // EE: any endpoint can be prefixed by a workspace name or id (app/_includes/md/gateway/admin-api-workspaces.md).
    let ws = null;
    const first = segments[0];
    const known = first in COLLECTIONS;
    if (enterprise && !known && segments.length > 1) {
      ws = await workspaceOf(first);
      // Unknown workspace prefix: 404 Not found. EE's exact answer is UNVERIFIED.
      if (!ws) return [404, { message: 'Not found' }];
      segments = segments.slice(1);
    }
    ws ??= await workspaceOf('default');
    if (!ws) ws = { id: null, name: 'default' };

    const [head, second, third, ...rest] = segments;
    const coll = head === undefined ? undefined : COLLECTIONS[head];
    if (!coll) return [404, { message: 'Not found' }];
    if (coll.ee && !enterprise) return [404, { message: 'Not found' }];
    if (head === 'workspaces' && !enterprise && atLeast(version, '3.7.0')) {
      // OSS workspaces DAO got generate_admin_api = false in 6470d9bf92 (#12374, first in 3.7.0);
      // before 3.7 the generated routes existed (runtime behaviour UNVERIFIED).
      return [404, { message: 'Not found' }];
    }
    if (head === 'workspaces' && second && third === 'meta' && rest.length === 0) {
      if (!enterprise) return [404, { message: 'Not found' }];
      const target = await workspaceOf(second);
      if (!target) return [404, { message: 'Not found' }];
      return [200, { counts: await countsFor(target.id) }];
    }

    if (second === undefined) {
      if (method === 'GET') return pageCollection(head, coll, ws, url, null);
      if (method === 'POST') {
        const body = await parseBody(req, head);
        if (body === undefined) return [400, { message: 'Cannot parse JSON body' }];
        return createEntity(head, coll, ws, body, null);
      }
      return [405, { message: 'Method not allowed' }];
    }
    const parent = await selectEntity(coll, ws, second);
    if (third === undefined) {
      if (method === 'DELETE' && head !== 'workspaces') {
        // kong/api/endpoints.lua 3.4.2 l.664-671 delete_entity_endpoint: 204 whether or not the
        // entity existed; plugins scoped to a deleted route, service or consumer go with it
        // (kong/db/schema/entities/plugins.lua 3.4.2 l.22-24 on_delete = "cascade"; here the
        // foreign keys' ON DELETE CASCADE of db/schema.mjs).
        if (parent) await query(`DELETE FROM "${coll.table}" WHERE id = $1`, [parent.row.id]);
        return [204, null];
      }
      if (method !== 'GET') return [405, { message: 'Method not allowed' }];
      if (!parent) return [404, { message: 'Not found' }];
      return [200, toEntity(coll, parent.cols, parent.row)];
    }
    const childColumn = NESTED[head]?.[third];
    const child = COLLECTIONS[third];
    if (head === 'upstreams' && third === 'targets' && rest.length === 1) {
      if (!parent) return [404, { message: 'Not found' }];
      return targetEntity(method, parent, ws, rest[0], req);
    }
    if (!childColumn || !child || rest.length > 0) return [404, { message: 'Not found' }];
    if (!parent) return [404, { message: 'Not found' }];
    const nested = { id: parent.row.id, column: childColumn, parentEndpoint: head, param: second };
    if (method === 'GET') return pageCollection(third, child, ws, url, nested);
    if (method === 'POST') {
      const body = await parseBody(req, third);
      if (body === undefined) return [400, { message: 'Cannot parse JSON body' }];
      return createEntity(third, child, ws, body, nested);
    }
    return [405, { message: 'Method not allowed' }];
  };

  /**
   * Validates a target's `target` and `weight` as Kong does: the target is normalised to host:port
   * with port 8000 when none is given (kong/db/dao/targets.lua format_target, DEFAULT_PORT = 8000);
   * weight is an integer between 0 and 65535, default 100 (kong/db/schema/entities/targets.lua;
   * message from the `between` validator, kong/db/schema/init.lua).
   */
  const checkTarget = (input, requireTarget) => {
    /** @type {{target?: string, weight?: number, error?: [number, object]}} */
    const out = {};
    if (input.target !== undefined) {
      const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(String(input.target));
      if (!m) {
        const msg = 'Invalid target; not a valid hostname or ip address';
        out.error = [400, { code: 2, name: 'schema violation', message: `schema violation (target: ${msg})`, fields: { target: msg } }];
        return out;
      }
      out.target = `${m[1]}:${m[2] ?? 8000}`;
    } else if (requireTarget) {
      out.error = [400, { code: 2, name: 'schema violation', message: 'schema violation (target: required field missing)', fields: { target: 'required field missing' } }];
      return out;
    }
    if (input.weight !== undefined) {
      const w = input.weight;
      if (typeof w !== 'number' || !Number.isInteger(w)) {
        out.error = [400, { code: 2, name: 'schema violation', message: 'schema violation (weight: expected an integer)', fields: { weight: 'expected an integer' } }];
        return out;
      }
      if (w < 0 || w > 65535) {
        const msg = 'value should be between 0 and 65535';
        out.error = [400, { code: 2, name: 'schema violation', message: `schema violation (weight: ${msg})`, fields: { weight: msg } }];
        return out;
      }
      out.weight = w;
    }
    return out;
  };

  /**
   * `/upstreams/{u}/targets/{id|target}`: GET, PATCH, PUT, DELETE. Kong generates these for the
   * nested entity (kong/api/endpoints.lua) and overrides DELETE (kong/api/routes/upstreams.lua,
   * which looks the target up by id or by its `host:port` string: select_by_upstream_filter);
   * targets became updatable in 2.2.0 (kong/db/dao/targets.lua "backward compatibility with Kong
   * older than 2.2.0"). A change is a database write only: Kong's balancers pick it up through
   * worker/cluster events, no reload — the simulated proxy re-reads targets every reloadIntervalMs.
   */
  const targetEntity = async (method, parent, ws, key, req) => {
    const tables = await columns();
    const cols = tables.get('targets');
    if (!cols) return [500, { message: KONG_BODIES[500] }];
    const coll = COLLECTIONS.targets;
    const normalised = UUID_RE.test(key) ? key : (checkTarget({ target: key }, false).target ?? key);
    const found = await query(
      `SELECT * FROM targets WHERE upstream_id = $1 AND (${UUID_RE.test(key) ? 'id = $2' : 'target = $2'}) LIMIT 1`,
      [parent.row.id, normalised]);
    const current = found.rows[0];
    if (method === 'GET') return current ? [200, toEntity(coll, cols, current)] : [404, { message: 'Not found' }];
    if (method === 'DELETE') {
      if (!current) return [404, { message: 'Not found' }];
      await query('DELETE FROM targets WHERE id = $1', [current.id]);
      return [204, null];
    }
    if (method !== 'PATCH' && method !== 'PUT') return [405, { message: 'Method not allowed' }];
    const body = await parseBody(req, 'targets');
    if (body === undefined) return [400, { message: 'Cannot parse JSON body' }];
    const checked = checkTarget(body, false);
    if (checked.error) return checked.error;
    if (method === 'PATCH') {
      if (!current) return [404, { message: 'Not found' }];
      const target = checked.target ?? current.target;
      const weight = checked.weight ?? current.weight;
      const res = await query('UPDATE targets SET target = $2, weight = $3, tags = COALESCE($4, tags) WHERE id = $1 RETURNING *',
        [current.id, target, weight, body.tags ?? null]);
      return [200, toEntity(coll, cols, res.rows[0])];
    }
    // PUT: the whole entity; defaults for what is not given (weight 100).
    const target = checked.target ?? (UUID_RE.test(key) ? current?.target : normalised);
    if (!target) {
      return [400, { code: 2, name: 'schema violation', message: 'schema violation (target: required field missing)', fields: { target: 'required field missing' } }];
    }
    const weight = checked.weight ?? 100;
    if (current) {
      const res = await query('UPDATE targets SET target = $2, weight = $3, tags = $4 WHERE id = $1 RETURNING *', [current.id, target, weight, body.tags ?? null]);
      return [200, toEntity(coll, cols, res.rows[0])];
    }
    return createEntity('targets', coll, ws, { ...body, target, weight }, { id: parent.row.id, column: 'upstream_id' });
  };

  /** /workspaces/{ws}/meta counts: {"counts": {"services": 2, …}} (EE docs workspaces/reference.md:237-276; key set UNVERIFIED). */
  const countsFor = async (wsId) => {
    const tables = await columns();
    /** @type {Record<string, number>} */
    const counts = {};
    for (const [endpoint, coll] of Object.entries(COLLECTIONS)) {
      if (endpoint === 'workspaces') continue;
      const cols = tables.get(coll.table);
      if (!cols || !cols.some((c) => c.name === 'ws_id')) continue;
      const res = await query(`SELECT count(*)::int AS n FROM "${coll.table}" WHERE ws_id = $1`, [wsId]);
      counts[endpoint] = res.rows[0].n;
    }
    return counts;
  };

  /**
   * The clustering_data_planes rows the control plane keeps for connected data planes
   * (Kong/kong 3.4.2 kong/clustering/control_plane.lua update_sync_status: upsert with a ttl of
   * cluster_data_plane_purge_delay), timestamps as epoch seconds like Kong's DAO; expired rows
   * are not listed.
   */
  const storedDataPlanes = async () => {
    const res = await query(`SELECT id::text, hostname, ip, config_hash, version, sync_status,
        extract(epoch FROM last_seen)::bigint AS last_seen FROM clustering_data_planes WHERE ttl IS NULL OR ttl > now()`);
    return res.rows;
  };

  /** Pages an in-memory list with Kong's pagination rules (clustering data planes). */
  const pageList = (endpoint, list, url) => {
    const sizeArg = url.searchParams.get('size');
    let size = 100;
    if (sizeArg !== null) {
      const n = luaToNumber(sizeArg);
      if (n === null) return [400, { code: 9, name: 'invalid size', message: 'size must be a number' }];
      if (!Number.isInteger(n) || n < 1 || n > 1000) return [400, { code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' }];
      size = n;
    }
    const sorted = [...list].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    let start = 0;
    const offset = url.searchParams.get('offset');
    if (offset !== null) {
      const decoded = decodeBase64(offset);
      if (decoded === null) return [400, { code: 7, name: 'invalid offset', message: `'${offset}' is not a valid offset: bad base64 encoding` }];
      const id = (() => { try { return JSON.parse(decoded)[0]; } catch { return undefined; } })();
      start = sorted.findIndex((d) => String(d.id) > String(id));
      if (start < 0) start = sorted.length;
    }
    const data = sorted.slice(start, start + size);
    if (start + size < sorted.length) {
      const token = Buffer.from(JSON.stringify([data[data.length - 1].id])).toString('base64').replace(/=+$/, '');
      let next = `/${endpoint}?offset=${escapeUri(token)}`;
      if (sizeArg !== null && atLeast(version, '3.1.0')) next += `&size=${sizeArg}`;
      return [200, { data, offset: token, next }];
    }
    return [200, { data, next: null }];
  };

  /** Common request wrapper: faults, RBAC, JSON response with Kong's headers. */
  const handle = (kind) => async (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let status = 500;
    /** @type {unknown} */
    let body = { message: KONG_BODIES[500] };
    try {
      const latency = faults.latency();
      if (latency > 0) await sleep(latency);
      if (faults.shouldFail()) {
        status = faults.get().errorStatus ?? 500;
        body = { message: KONG_BODIES[/** @type {keyof typeof KONG_BODIES} */ (status)] ?? `An unexpected error occurred` };
      } else if (kind === 'status') {
        [status, body] = await routeStatus(method, url);
      } else if (options.rbacToken !== undefined && req.headers['kong-admin-token'] !== options.rbacToken) {
        // RBAC (rbac_auth_header default Kong-Admin-Token, EE configuration reference). Body from the
        // docs example (enable-rbac.md:366); the status code 401 is UNVERIFIED.
        status = 401;
        body = { message: 'Invalid RBAC credentials' };
      } else {
        [status, body] = await route(method, url, req);
      }
    } catch (error) {
      // Database or internal error → 500 "An unexpected error occurred" (kong/api/endpoints.lua handle_error).
      status = 500;
      body = { message: KONG_BODIES[500] };
    }
    // 204 has no body and no Content-Length (kong/api/endpoints.lua no_content: kong.response.exit(204)).
    const payload = status === 204 ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(status === 204 ? {} : { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) }),
      'Access-Control-Allow-Origin': '*',
      Server: serverHeader(),
      'X-Kong-Admin-Latency': String(Date.now() - started),
      'X-Kong-Sim-Node': nodeId,
    });
    res.end(method === 'HEAD' ? undefined : payload);
  };

  /** Status API: kong/status/init.lua mounts /status (health.lua) and, from 3.3.0, /status/ready. */
  const routeStatus = async (method, url) => {
    if (method !== 'GET') return [405, { message: 'Method not allowed' }];
    if (url.pathname === '/status') return statusBody(status, url);
    if (url.pathname === '/status/ready' && atLeast(version, '3.3.0')) {
      // kong/status/ready.lua is_ready(): DB first ("failed to connect to database"), then (not on a
      // control plane) router/plugins-iterator builds, which this simulator has always completed.
      if (!(await dbReachable())) return [503, { message: 'failed to connect to database' }];
      return [200, { message: 'ready' }];
    }
    return [404, { message: 'Not found' }];
  };

  const admin = await startListener(handle('admin'), { port: options.port ?? 0 });
  const status = options.statusListen === false ? null : await startListener(handle('status'));

  const applyRefuse = async () => {
    const refuse = !!faults.get().refuse;
    for (const l of [admin, status]) {
      if (!l) continue;
      if (refuse) await l.refuse();
      else await l.resume();
    }
  };
  if (options.faults?.refuse) await applyRefuse();

  const control = {
    /** Current faults. */
    faults: () => faults.get(),
    /**
     * Changes faults at runtime (merged; pass `refuse: false` to reopen the listeners).
     * @param {import('./sim-util.mjs').Faults} patch
     */
    async setFaults(patch) {
      faults.set(patch);
      if ('refuse' in patch) await applyRefuse();
    },
    /** Replaces the /clustering/data-planes list. @param {object[]} list */
    setDataPlanes(list) {
      dataPlanes = list;
    },
  };

  return {
    url: `http://127.0.0.1:${admin.port}`,
    port: admin.port,
    statusUrl: status ? `http://127.0.0.1:${status.port}` : undefined,
    nodeId,
    control,
    pool,
    async stop() {
      await admin.close();
      if (status) await status.close();
      await pool.end().catch(() => {});
    },
  };
}

/** Lua's tonumber for the strings lapis hands over (decimal, hex, exponent; surrounding spaces). */
export function luaToNumber(text) {
  const s = String(text).trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(s)) return Number.parseInt(s, 16);
  return null;
}

/** ngx.decode_base64: standard alphabet, padding optional; null when invalid. */
function decodeBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare, 'base64').toString('utf8');
}

/** ngx.escape_uri: everything but unreserved characters is %-escaped. */
function escapeUri(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Integer fields of the entities this simulator creates (kong/db/schema/entities/*.lua). */
const INTEGER_FIELDS = {
  services: ['port', 'retries', 'connect_timeout', 'write_timeout', 'read_timeout'],
  routes: ['regex_priority', 'https_redirect_status_code'],
  upstreams: ['slots'],
  targets: ['weight'],
};
/** Array fields, which a form gives as one value or several (kong/api/arguments.lua infer). */
const ARRAY_FIELDS = new Set(['paths', 'hosts', 'methods', 'protocols', 'snis', 'tags', 'ca_certificates']);
const BOOLEAN_FIELDS = new Set(['strip_path', 'preserve_host', 'enabled', 'request_buffering', 'response_buffering', 'tls_verify']);

/**
 * A request body as Kong's Admin API reads it: JSON, or a form (application/x-www-form-urlencoded),
 * whose `a[]=x`, `a[1]=x` and repeated `a=x` make arrays and `a.b=x` nests
 * (kong/api/arguments.lua decode), the values then inferred from the entity's field types
 * (arguments.lua infer: "80" → 80 for an integer, one value → an array for an array field).
 * Observed on Kong 2.8.5 built here: `curl -d name=orders -d url=…`, `-d 'paths[]=/orders'`,
 * `-d paths=/o2 -d paths=/o3`, `-d 'methods[1]=GET'`, `-d hosts=api.test` all create the entity.
 * @param {import('node:http').IncomingMessage} req @param {string} endpoint
 */
async function parseBody(req, endpoint) {
  if (!/^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'] ?? ''))) return parseJson(req);
  const raw = (await readBody(req)).toString('utf8');
  /** @type {Record<string, any>} */
  const out = {};
  for (const [rawKey, value] of new URLSearchParams(raw)) {
    const keys = rawKey.replace(/\[(\d*)\]/g, '.$1').split('.');
    let target = out;
    for (const [i, part] of keys.entries()) {
      const last = i === keys.length - 1;
      const next = keys[i + 1];
      if (last) {
        if (part === '' || /^\d+$/.test(part)) {
          if (!Array.isArray(target)) break;
          if (part === '') target.push(value);
          else target[Number(part) - 1] = value;
        } else if (target[part] === undefined) {
          target[part] = value;
        } else {
          target[part] = [...(Array.isArray(target[part]) ? target[part] : [target[part]]), value];
        }
        break;
      }
      const container = next === '' || /^\d+$/.test(next ?? '') ? [] : {};
      target[part] ??= container;
      target = target[part];
    }
  }
  const ints = new Set(INTEGER_FIELDS[/** @type {keyof typeof INTEGER_FIELDS} */ (endpoint)] ?? []);
  for (const [key, value] of Object.entries(out)) {
    if (ARRAY_FIELDS.has(key) && !Array.isArray(value)) out[key] = [value];
    else if (ints.has(key) && typeof value === 'string' && /^-?\d+$/.test(value.trim())) out[key] = Number(value);
    else if (BOOLEAN_FIELDS.has(key) && (value === 'true' || value === 'false')) out[key] = value === 'true';
  }
  return out;
}

async function parseJson(req) {
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') return {};
  try {
    const value = JSON.parse(raw);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

function hostFromUrl(url) {
  try {
    return url ? new URL(url).hostname : '127.0.0.1';
  } catch {
    return '127.0.0.1';
  }
}

function portFromUrl(url) {
  try {
    return url ? Number(new URL(url).port || 5432) : 5432;
  } catch {
    return 5432;
  }
}
