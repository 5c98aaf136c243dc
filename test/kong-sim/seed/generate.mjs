// Fills a Kong database (tables as test/kong-sim/db/schema.mjs creates them) with a realistic,
// reproducible dataset: services, routes (prefix and regex paths, hosts, methods), plugins with JSON
// configs (global, per service, per route, per consumer), consumers with key-auth and basic-auth
// credentials, upstreams/targets, certificates/SNIs, CA certificates and rate-limiting counters.
//
// Why server-side generate_series and not COPY: every row is computed by PostgreSQL itself in
// `INSERT … SELECT … FROM generate_series(a, b)`, so nothing crosses the wire and there is no client
// encoding cost; it is the fastest honest way (the rows are real rows in Kong's real tables, with
// indexes and constraints in place) and needs no extra package (pg-copy-streams is not installed).
// Ids are md5(seed:table:n)::uuid — reproducible per seed and scattered like random uuids, so the
// Admin API's id order differs from insertion order as it does in Kong.
//
// Only columns that exist in the database are written, so the same generator fills a 2.8-shaped or
// a 3.9-shaped schema.

/**
 * @typedef {object} SeedOptions
 * @property {number} [targetBytes]  grow until pg_database_size reaches this
 * @property {Partial<Record<TableName, number>>} [counts] exact rows per table (others derived from services)
 * @property {number} [workspaces]   extra workspaces (EE): entities are spread over default + these
 * @property {string|number} [seed]  default 1
 * @property {string} [version]      Kong version the data is for: regex paths get the `~` prefix from 3.0
 * @property {(progress: {counts: Record<string, number>, bytes: number}) => void} [onProgress]
 */

/** @typedef {'services'|'routes'|'consumers'|'plugins'|'keyauth_credentials'|'basicauth_credentials'|'upstreams'|'targets'|'certificates'|'snis'|'ca_certificates'|'ratelimiting_metrics'} TableName */

/** Rows per service in a "unit" of data (a realistic mid-size Kong: ~3 routes per service, etc.). */
const RATIOS = /** @type {Record<TableName, number>} */ ({
  services: 1,
  routes: 3,
  consumers: 4,
  plugins: 3, // spread over global / service / route / consumer scopes
  keyauth_credentials: 4,
  basicauth_credentials: 1,
  upstreams: 0.2,
  targets: 0.6,
  certificates: 0.05,
  snis: 0.1,
  ca_certificates: 0.01,
  ratelimiting_metrics: 20,
});

/** Parents first, so foreign keys point at rows that exist. */
const ORDER = /** @type {TableName[]} */ ([
  'certificates', 'ca_certificates', 'services', 'routes', 'consumers', 'plugins', 'keyauth_credentials',
  'basicauth_credentials', 'upstreams', 'targets', 'snis', 'ratelimiting_metrics',
]);

const PLUGIN_NAMES = ['rate-limiting', 'key-auth', 'cors', 'request-transformer', 'acl', 'prometheus', 'http-log', 'response-transformer'];

/**
 * @param {import('pg').ClientConfig | string} pgConfig
 * @param {SeedOptions} options
 * @returns {Promise<{counts: Record<string, number>, bytes: number, tableBytes: Record<string, number>, seconds: number}>}
 */
export async function seedKongDatabase(pgConfig, options = {}) {
  const pg = (await import('pg')).default;
  const client = new pg.Client(typeof pgConfig === 'string' ? { connectionString: pgConfig } : pgConfig);
  await client.connect();
  const started = Date.now();
  try {
    return await seedWithClient(client, options, started);
  } finally {
    await client.end();
  }
}

/**
 * Same as seedKongDatabase on an open client.
 * @param {import('pg').ClientBase} client
 * @param {SeedOptions} options
 */
export async function seedWithClient(client, options = {}, started = Date.now()) {
  const seed = String(options.seed ?? 1);
  const v3 = !/^[012]\./.test(options.version ?? '3.4.2');
  const columns = await tableColumns(client);
  const wsIds = await workspaceIds(client, columns, options.workspaces ?? 0, seed);
  /** @type {Record<string, number>} */
  const done = Object.fromEntries(ORDER.map((t) => [t, 0]));
  const ctx = { seed, v3, columns, wsIds, done };

  // Session settings for a bulk load (the test/bench clusters already run with fsync off).
  await client.query('SET synchronous_commit = off');

  if (options.counts) {
    const services = options.counts.services ?? 0;
    for (const table of ORDER) {
      const want = options.counts[table] ?? (options.counts.services !== undefined ? Math.floor(services * RATIOS[table]) : 0);
      await insertRange(client, ctx, table, done[table] + 1, done[table] + want);
    }
  } else if (options.targetBytes) {
    // Grow in chunks of "service units" (a service with its share of every other table), sized from
    // the bytes one unit took so far, until pg_database_size reaches the target.
    const base = await databaseSize(client);
    let chunk = 500;
    for (;;) {
      const bytes = await databaseSize(client);
      options.onProgress?.({ counts: { ...done }, bytes });
      if (bytes >= options.targetBytes) break;
      if (done.services > 0) {
        const perUnit = Math.max(1, (bytes - base) / done.services);
        chunk = Math.max(200, Math.min(chunk * 2, 20000, Math.ceil((options.targetBytes - bytes) / perUnit)));
      }
      const units = done.services + chunk;
      for (const table of ORDER) {
        const from = done[table] + 1;
        await insertRange(client, ctx, table, from, Math.max(Math.floor(units * RATIOS[table]), from - 1));
      }
    }
  }
  await client.query('ANALYZE');
  const bytes = await databaseSize(client);
  const tableBytes = /** @type {Record<string, number>} */ ({});
  for (const table of ORDER) {
    if (!columns.has(table)) continue;
    const r = await client.query('SELECT pg_total_relation_size($1::regclass)::bigint AS n', [table]);
    tableBytes[table] = Number(r.rows[0].n);
  }
  // Counted, not assumed: what the database really holds.
  /** @type {Record<string, number>} */
  const counts = {};
  for (const table of ORDER) {
    if (!columns.has(table)) continue;
    const r = await client.query(`SELECT count(*)::bigint AS n FROM "${table}"`);
    counts[table] = Number(r.rows[0].n);
  }
  return { counts, bytes, tableBytes, seconds: (Date.now() - started) / 1000 };
}

/** @param {import('pg').ClientBase} client */
async function databaseSize(client) {
  const r = await client.query('SELECT pg_database_size(current_database())::bigint AS n');
  return Number(r.rows[0].n);
}

/** @param {import('pg').ClientBase} client */
async function tableColumns(client) {
  const res = await client.query(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`);
  /** @type {Map<string, Set<string>>} */
  const map = new Map();
  for (const r of res.rows) {
    if (!map.has(r.table_name)) map.set(r.table_name, new Set());
    map.get(r.table_name)?.add(r.column_name);
  }
  return map;
}

/** The default workspace id plus `extra` new ones (ws-1 … ws-n), or [] when there are no workspaces. */
async function workspaceIds(client, columns, extra, seed) {
  if (!columns.has('workspaces')) return [];
  const def = await client.query("SELECT id FROM workspaces WHERE name = 'default'");
  const ids = def.rows.map((r) => r.id);
  for (let i = 1; i <= extra; i++) {
    const r = await client.query(
      `INSERT INTO workspaces (id, name) VALUES (md5($1)::uuid, $2)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [`${seed}:workspaces:${i}`, `ws-${i}`]);
    ids.push(r.rows[0].id);
  }
  return ids;
}

/** SQL expression for the uuid of row `indexExpr` of `table`. */
const uid = (seed, table, indexExpr) => `md5('${seed}:${table}:' || (${indexExpr}))::uuid`;

/**
 * Inserts rows from..to (1-based, inclusive) of one table with generate_series.
 * @param {import('pg').ClientBase} client
 */
async function insertRange(client, ctx, table, from, to) {
  if (to < from || !ctx.columns.has(table)) return;
  const have = ctx.columns.get(table);
  const { seed, done, wsIds } = ctx;
  const n = (t) => Math.max(1, done[t]); // parents inserted so far
  // Workspace of a service (or consumer …) index: spread round-robin, children follow their parent.
  const ws = (indexExpr) => (wsIds.length === 0 ? 'NULL'
    : `(ARRAY[${wsIds.map((id) => `'${id}'::uuid`).join(',')}])[1 + ((${indexExpr}) % ${wsIds.length})]`);
  const svc = `(1 + (i - 1) % ${n('services')})`;
  const now = `(timestamp '2024-01-01' + (i % 86400) * interval '17 minutes')`;
  /** @type {Record<string, string>} */
  let cols = {};
  switch (table) {
    case 'services':
      cols = {
        id: uid(seed, 'services', 'i'), created_at: now, updated_at: now, name: `'svc-' || i`,
        retries: '5', protocol: `CASE WHEN i % 10 = 0 THEN 'https' ELSE 'http' END`,
        host: `CASE WHEN i % 5 = 0 THEN 'upstream-' || (1 + i % ${Math.max(1, Math.floor(to * RATIOS.upstreams))}) ELSE 'backend-' || i || '.svc.cluster.local' END`,
        port: `CASE WHEN i % 10 = 0 THEN 443 ELSE 8080 END`, path: `CASE WHEN i % 3 = 0 THEN NULL ELSE '/api/v' || (1 + i % 3) END`,
        connect_timeout: '60000', write_timeout: '60000', read_timeout: '60000',
        tags: `ARRAY['team-' || (i % 17), 'tier-' || (i % 3)]`, ws_id: ws('i'), enabled: 'true',
      };
      break;
    case 'routes': {
      const regex = ctx.v3 ? `'~/svc-' || i || '/items/(?<id>\\d+)$'` : `'/svc-' || i || '/items/(?<id>\\d+)$'`;
      cols = {
        id: uid(seed, 'routes', 'i'), created_at: now, updated_at: now, name: `'route-' || i`,
        service_id: uid(seed, 'services', svc),
        protocols: `ARRAY['http','https']`,
        methods: `CASE i % 4 WHEN 0 THEN ARRAY['GET'] WHEN 1 THEN ARRAY['GET','POST'] ELSE NULL END`,
        hosts: `CASE WHEN i % 6 = 0 THEN ARRAY['api-' || (i % 50) || '.example.com'] ELSE NULL END`,
        paths: `CASE WHEN i % 10 = 0 THEN ARRAY[${regex}] ELSE ARRAY['/svc-' || i, '/r/' || md5(i::text)] END`,
        regex_priority: `CASE WHEN i % 10 = 0 THEN i % 5 ELSE 0 END`, strip_path: `i % 2 = 0`, preserve_host: 'false',
        tags: `ARRAY['team-' || (${svc} % 17)]`, https_redirect_status_code: '426', path_handling: `'v0'`,
        ws_id: ws(svc), request_buffering: 'true', response_buffering: 'true',
      };
      break;
    }
    case 'consumers':
      cols = {
        id: uid(seed, 'consumers', 'i'), created_at: now, username: `'user-' || i`,
        custom_id: `CASE WHEN i % 3 = 0 THEN 'crm-' || md5('c' || i) ELSE NULL END`,
        tags: `ARRAY['plan-' || (i % 4)]`, ws_id: ws('i'),
      };
      break;
    case 'plugins': {
      // Scope by i % 4: 0 = service, 1 = route, 2 = consumer, 3 = service+route; the first few are global.
      const name = `(ARRAY[${PLUGIN_NAMES.map((p) => `'${p}'`).join(',')}])[1 + i % ${PLUGIN_NAMES.length}]`;
      const route = `(1 + (i - 1) % ${n('routes')})`;
      const consumer = `(1 + (i - 1) % ${n('consumers')})`;
      const isGlobal = `i <= ${PLUGIN_NAMES.length}`;
      const serviceId = `CASE WHEN ${isGlobal} THEN NULL WHEN i % 4 IN (0, 3) THEN ${uid(seed, 'services', svc)} END`;
      const routeId = `CASE WHEN ${isGlobal} THEN NULL WHEN i % 4 IN (1, 3) THEN ${uid(seed, 'routes', route)} END`;
      const consumerId = `CASE WHEN ${isGlobal} THEN NULL WHEN i % 4 = 2 THEN ${uid(seed, 'consumers', consumer)} END`;
      cols = {
        id: uid(seed, 'plugins', 'i'), created_at: now, name,
        service_id: serviceId, route_id: routeId, consumer_id: consumerId,
        config: `CASE ${name}
          WHEN 'rate-limiting' THEN jsonb_build_object('minute', 10 + i % 990, 'hour', NULL, 'policy', (ARRAY['local','cluster','redis'])[1 + i % 3], 'limit_by', 'consumer', 'fault_tolerant', true, 'hide_client_headers', false, 'redis', jsonb_build_object('host', NULL, 'port', 6379, 'timeout', 2000, 'database', 0))
          WHEN 'key-auth' THEN jsonb_build_object('key_names', jsonb_build_array('apikey'), 'hide_credentials', i % 2 = 0, 'anonymous', NULL, 'key_in_header', true, 'key_in_query', true, 'key_in_body', false, 'run_on_preflight', true)
          WHEN 'cors' THEN jsonb_build_object('origins', jsonb_build_array('https://app-' || i || '.example.com'), 'methods', jsonb_build_array('GET','POST','PUT'), 'credentials', true, 'max_age', 3600, 'preflight_continue', false)
          WHEN 'request-transformer' THEN jsonb_build_object('add', jsonb_build_object('headers', jsonb_build_array('x-tenant:' || md5(i::text)), 'querystring', '[]'::jsonb, 'body', '[]'::jsonb), 'remove', jsonb_build_object('headers', jsonb_build_array('x-internal')), 'http_method', NULL)
          WHEN 'acl' THEN jsonb_build_object('allow', jsonb_build_array('group-' || (i % 9)), 'deny', NULL, 'hide_groups_header', false)
          WHEN 'http-log' THEN jsonb_build_object('http_endpoint', 'http://logs.internal:9000/' || i, 'method', 'POST', 'timeout', 10000, 'keepalive', 60000, 'queue', jsonb_build_object('max_batch_size', 1, 'max_coalescing_delay', 1))
          ELSE jsonb_build_object('per_consumer', false, 'status_code_metrics', i % 2 = 0, 'latency_metrics', true)
        END`,
        enabled: `i % 13 <> 0`,
        cache_key: `'plugins:' || ${name} || ':' || COALESCE((${routeId})::text, '') || ':' || COALESCE((${serviceId})::text, '') || ':' || COALESCE((${consumerId})::text, '') || '::' || i`,
        protocols: `ARRAY['grpc','grpcs','http','https']`, tags: `ARRAY['managed-by-ci']`,
        ws_id: ws(`CASE WHEN ${isGlobal} THEN 0 WHEN i % 4 = 2 THEN ${consumer} ELSE ${svc} END`),
      };
      // Route-scoped plugins must share the route's workspace: route r belongs to service ((r-1) % S) + 1.
      if (wsIds.length > 0) {
        cols.ws_id = ws(`CASE WHEN ${isGlobal} THEN 0 WHEN i % 4 = 2 THEN ${consumer} WHEN i % 4 = 1 THEN 1 + (${route} - 1) % ${n('services')} ELSE ${svc} END`);
        cols.route_id = `CASE WHEN ${isGlobal} THEN NULL WHEN i % 4 = 1 THEN ${uid(seed, 'routes', route)} END`;
      }
      break;
    }
    case 'keyauth_credentials': {
      const consumer = `(1 + (i - 1) % ${n('consumers')})`;
      cols = {
        id: uid(seed, 'keyauth_credentials', 'i'), created_at: now, consumer_id: uid(seed, 'consumers', consumer),
        key: `md5('${seed}:key:' || i) || md5('k' || i)`, tags: 'NULL', ws_id: ws(consumer),
      };
      break;
    }
    case 'basicauth_credentials': {
      const consumer = `(1 + (i - 1) % ${n('consumers')})`;
      cols = {
        id: uid(seed, 'basicauth_credentials', 'i'), created_at: now, consumer_id: uid(seed, 'consumers', consumer),
        // Kong stores sha1(password .. consumer_id) hex (kong/plugins/basic-auth/crypto.lua).
        username: `'basic-' || i`, password: `encode(sha256(('pw' || i)::bytea), 'hex')`, ws_id: ws(consumer),
      };
      break;
    }
    case 'upstreams':
      cols = {
        id: uid(seed, 'upstreams', 'i'), created_at: now, name: `'upstream-' || i`, hash_on: `'none'`,
        hash_fallback: `'none'`, hash_on_cookie_path: `'/'`, slots: '10000', algorithm: `'round-robin'`,
        healthchecks: `jsonb_build_object('active', jsonb_build_object('type', 'http', 'http_path', '/health', 'timeout', 1, 'concurrency', 10, 'healthy', jsonb_build_object('interval', 0, 'successes', 0, 'http_statuses', jsonb_build_array(200, 302)), 'unhealthy', jsonb_build_object('interval', 0, 'tcp_failures', 0, 'timeouts', 0, 'http_failures', 0)), 'passive', jsonb_build_object('type', 'http'), 'threshold', 0)`,
        tags: 'NULL', ws_id: ws('i'), use_srv_name: 'false',
      };
      break;
    case 'targets': {
      const up = `(1 + (i - 1) % ${n('upstreams')})`;
      cols = {
        id: uid(seed, 'targets', 'i'), created_at: now, upstream_id: uid(seed, 'upstreams', up),
        target: `'10.' || (i / 65536 % 256) || '.' || (i / 256 % 256) || '.' || (i % 256) || ':8080'`,
        weight: `CASE WHEN i % 7 = 0 THEN 0 ELSE 100 END`, ws_id: ws(up),
        cache_key: `'targets:' || ${uid(seed, 'upstreams', up)} || ':10.' || i || ':8080::'`,
      };
      break;
    }
    case 'certificates':
      // PEM-shaped text of a realistic size (~1.2 KB cert, ~1.7 KB key); not a parseable certificate.
      cols = {
        id: uid(seed, 'certificates', 'i'), created_at: now,
        cert: `'-----BEGIN CERTIFICATE-----' || chr(10) || (SELECT string_agg(encode(sha512((i || ':' || g)::bytea), 'base64'), chr(10)) FROM generate_series(1, 12) g) || chr(10) || '-----END CERTIFICATE-----'`,
        key: `'-----BEGIN PRIVATE KEY-----' || chr(10) || (SELECT string_agg(encode(sha512((i || ':k:' || g)::bytea), 'base64'), chr(10)) FROM generate_series(1, 17) g) || chr(10) || '-----END PRIVATE KEY-----'`,
        tags: 'NULL', ws_id: ws('i'),
      };
      break;
    case 'ca_certificates':
      cols = {
        id: uid(seed, 'ca_certificates', 'i'), created_at: now,
        cert: `'-----BEGIN CERTIFICATE-----' || chr(10) || (SELECT string_agg(encode(sha512((i || ':ca:' || g)::bytea), 'base64'), chr(10)) FROM generate_series(1, 12) g) || chr(10) || '-----END CERTIFICATE-----'`,
        cert_digest: `encode(sha256(('ca' || i)::bytea), 'hex')`, tags: 'NULL',
      };
      break;
    case 'snis': {
      const cert = `(1 + (i - 1) % ${n('certificates')})`;
      cols = {
        id: uid(seed, 'snis', 'i'), created_at: now, name: `'sni-' || i || '.example.com'`,
        certificate_id: uid(seed, 'certificates', cert), ws_id: ws(cert),
      };
      break;
    }
    case 'ratelimiting_metrics': {
      // One counter row per (consumer identifier, period, window start, service, route): the rows the
      // rate-limiting plugin's cluster policy writes (kong/plugins/rate-limiting/policies/cluster.lua).
      const route = `(1 + (i / 3) % ${n('routes')})`;
      cols = {
        identifier: `${uid(seed, 'consumers', `1 + (i - 1) % ${n('consumers')}`)}::text`,
        period: `(ARRAY['second','minute','hour','day','month','year'])[1 + i % 6]`,
        period_date: `timestamp '2024-01-01' + (i / 6) * interval '1 minute'`,
        service_id: uid(seed, 'services', `1 + (${route} - 1) % ${n('services')}`),
        route_id: uid(seed, 'routes', route), value: '1 + i % 1000',
        ttl: `timestamp '2024-01-01' + (i / 6) * interval '1 minute' + interval '1 day'`,
      };
      break;
    }
    default:
      return;
  }
  const names = Object.keys(cols).filter((c) => have.has(c));
  const sql = `INSERT INTO "${table}" (${names.map((c) => `"${c}"`).join(', ')})
    SELECT ${names.map((c) => cols[c]).join(',\n       ')}
      FROM generate_series($1::bigint, $2::bigint) AS i`;
  // Big ranges go in slices so one statement never holds gigabytes of WAL/sort memory.
  const step = 50000;
  for (let a = from; a <= to; a += step) {
    await client.query(sql, [a, Math.min(to, a + step - 1)]);
  }
  done[table] = to;
}
