// The control plane's side of hybrid mode: a cluster listener (cluster_listen) that data planes
// (hybrid/data-plane.mjs) ping with their version and configuration hash. Kong speaks WebSocket
// there (kong/clustering/control_plane.lua, /v1/outlet); the simulator speaks plain HTTP POST on
// the same path, with the same decisions:
//   - the version rule (kong/clustering/compat/init.lua 3.4.2 l.38-75): another major, or a minor
//     above the control plane's, is kong_version_incompatible and gets no configuration;
//   - every ping upserts the data plane's row in clustering_data_planes (last_seen, config_hash,
//     hostname, ip, version, sync_status) with a ttl of cluster_data_plane_purge_delay
//     (control_plane.lua 3.4.2 update_sync_status, default purge delay 1209600 s): a data plane
//     replaced by a new one stays listed, with its old last_seen, until the row expires;
//   - the configuration pushed is the database's, with one hash for every data plane
//     (control_plane.lua export_deflated_reconfigure_payload: calculate_config_hash once).
import pg from 'pg';
import { parseVersion, readBody, startListener } from '../admin/sim-util.mjs';
import { md5 } from '../declarative/config.mjs';
import { startKongNode } from '../start.mjs';

/**
 * @typedef {object} ClusterListenerOptions
 * @property {string | import('pg').PoolConfig} pg  the control plane's database
 * @property {() => string} version        the control plane's version now
 * @property {number} [purgeDelaySeconds]   cluster_data_plane_purge_delay (default 1209600, kong_defaults.lua)
 * @property {number} [port]                listen on this port (a control plane restarted at the same address)
 */

/** @param {ClusterListenerOptions} options */
export async function startClusterListener(options) {
  const poolConfig = typeof options.pg === 'string' ? { connectionString: options.pg } : { ...options.pg };
  const pool = new pg.Pool({ ...poolConfig, max: 2, connectionTimeoutMillis: 1500, idleTimeoutMillis: 2000 });
  pool.on('error', () => {});
  const purge = options.purgeDelaySeconds ?? 1209600;

  /** The configuration as the control plane exports it: services, routes, upstreams with targets, by id. */
  const exportConfig = async () => {
    const cp = parseVersion(options.version());
    const [services, routes, upstreams, targets] = await Promise.all([
      pool.query('SELECT * FROM services ORDER BY id'),
      pool.query('SELECT * FROM routes ORDER BY id'),
      pool.query('SELECT id::text, name FROM upstreams ORDER BY id').catch(() => ({ rows: [] })),
      pool.query('SELECT id::text, upstream_id::text, target, weight FROM targets ORDER BY id').catch(() => ({ rows: [] })),
    ]);
    const pick = (row, fields) => Object.fromEntries(fields.filter((f) => row[f] !== null && row[f] !== undefined).map((f) => [f, f === 'id' ? String(row[f]) : row[f]]));
    const drop = (row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
    const config = {
      _format_version: cp.major >= 3 ? '3.0' : '2.1',
      services: services.rows.map((s) => pick(s, ['id', 'name', 'protocol', 'host', 'port', 'path', 'read_timeout', 'enabled'])),
      routes: routes.rows.map((r) => ({
        ...pick(r, ['id', 'name', 'protocols', 'methods', 'hosts', 'paths', 'headers', 'regex_priority', 'strip_path', 'preserve_host']),
        service: { id: String(r.service_id) },
      })),
      upstreams: upstreams.rows.map((u) => ({ ...drop(u), targets: targets.rows.filter((t) => t.upstream_id === u.id).map(({ upstream_id, ...t }) => drop(t)) })),
    };
    const text = JSON.stringify(config);
    return { text, hash: md5(text) };
  };

  const upsert = async (dp, syncStatus) => {
    await pool.query(
      `INSERT INTO clustering_data_planes (id, hostname, ip, last_seen, config_hash, version, sync_status, ttl)
         VALUES ($1, $2, $3, now(), $4, $5, $6, now() + make_interval(secs => $7))
       ON CONFLICT (id) DO UPDATE SET hostname = $2, ip = $3, last_seen = now(), config_hash = $4, version = $5, sync_status = $6,
         ttl = now() + make_interval(secs => $7)`,
      [dp.node_id, dp.hostname, dp.ip ?? '127.0.0.1', dp.config_hash, dp.version, syncStatus, purge],
    );
  };

  const listener = await startListener(async (req, res) => {
    const send = (status, body) => {
      const payload = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
      res.end(payload);
    };
    try {
      if (req.method !== 'POST' || req.url !== '/v1/outlet') {
        req.resume();
        send(404, { message: 'Not found' });
        return;
      }
      const dp = JSON.parse((await readBody(req)).toString('utf8'));
      const verdict = compatibility(options.version(), String(dp.version));
      if (!verdict.ok) {
        await upsert(dp, 'kong_version_incompatible');
        send(400, { message: verdict.reason, sync_status: 'kong_version_incompatible' });
        return;
      }
      const exported = await exportConfig();
      await upsert(dp, 'normal');
      send(200, { config_hash: exported.hash, config: dp.config_hash === exported.hash ? undefined : exported.text });
    } catch (error) {
      send(500, { message: `kong-sim: ${/** @type {Error} */ (error).message}` });
    }
  }, { port: options.port ?? 0 });

  return {
    url: `http://127.0.0.1:${listener.port}`,
    /** The hash every data plane should report once synced. */
    currentHash: async () => (await exportConfig()).hash,
    async stop() {
      await listener.close();
      await pool.end().catch(() => {});
    },
  };
}

/**
 * kong/clustering/compat/init.lua 3.4.2 check_kong_version_compatibility, with its messages.
 * @param {string} cpVersion @param {string} dpVersion
 */
export function compatibility(cpVersion, dpVersion) {
  const cp = parseVersion(cpVersion);
  let dp;
  try {
    dp = parseVersion(dpVersion);
  } catch {
    return { ok: false, reason: `data plane version is incompatible with control plane version ${cpVersion} (${cp.major}.x.y are accepted)` };
  }
  if (cp.major !== dp.major) return { ok: false, reason: `data plane version ${dpVersion} is incompatible with control plane version ${cpVersion} (${cp.major}.x.y are accepted)` };
  if (cp.minor < dp.minor) return { ok: false, reason: `data plane version ${dpVersion} is incompatible with older control plane version ${cpVersion}` };
  return { ok: true };
}

/**
 * A control plane: a database-backed node (start.mjs) with role control_plane, whose
 * /clustering/data-planes lists the rows its data planes write, plus its cluster listener.
 * @param {Omit<import('../start.mjs').KongNodeOptions, 'role' | 'dataPlanes'> & {clusterPort?: number}} options
 */
export async function startControlPlane(options) {
  const { clusterPort, ...nodeOptions } = options;
  const node = await startKongNode({ ...nodeOptions, role: 'control_plane' });
  let cluster;
  try {
    cluster = await startClusterListener({ pg: options.pg, version: () => options.version, port: clusterPort });
  } catch (error) {
    await node.stop();
    throw error;
  }
  return {
    ...node,
    /** cluster_control_plane for its data planes. */
    clusterUrl: cluster.url,
    currentHash: cluster.currentHash,
    async stop() {
      await Promise.allSettled([node.stop(), cluster.stop()]);
    },
  };
}
