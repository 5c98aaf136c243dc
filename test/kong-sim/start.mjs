// One simulated Kong node: Admin API (+ Status API listener) and proxy on the same PostgreSQL
// database, each on a free 127.0.0.1 port. Blue/green tests start two nodes (cluster 'blue' and
// 'green') and count who answered by the proxy's X-Kong-Sim-Cluster header.
import { startAdminApi } from './admin/server.mjs';
import { startProxy } from './proxy/server.mjs';

/**
 * @typedef {object} KongNodeOptions
 * @property {string | import('pg').PoolConfig} pg
 * @property {string} version
 * @property {'community'|'enterprise'} [edition]
 * @property {string} [cluster]        e.g. 'blue' | 'green' (proxy response header X-Kong-Sim-Cluster)
 * @property {string} [rbacToken]
 * @property {boolean} [statusListen]  default true
 * @property {'traditional'|'control_plane'} [role]
 * @property {object[]} [dataPlanes]
 * @property {import('./admin/sim-util.mjs').Faults} [adminFaults]
 * @property {import('./admin/sim-util.mjs').Faults} [proxyFaults]
 * @property {number} [reloadIntervalMs] proxy route reload interval (default 1000)
 * @property {string} [proxyAccessLog] the proxy's access log file (Kong's proxy_access_log)
 */

/** @param {KongNodeOptions} options */
export async function startKongNode(options) {
  const admin = await startAdminApi({
    pg: options.pg, version: options.version, edition: options.edition, rbacToken: options.rbacToken,
    statusListen: options.statusListen, role: options.role, dataPlanes: options.dataPlanes, faults: options.adminFaults,
  });
  let proxy;
  try {
    proxy = await startProxy({
      pg: options.pg, version: options.version, edition: options.edition, cluster: options.cluster, faults: options.proxyFaults,
      reloadIntervalMs: options.reloadIntervalMs, accessLog: options.proxyAccessLog,
    });
  } catch (error) {
    await admin.stop();
    throw error;
  }
  return {
    adminUrl: admin.url,
    proxyUrl: proxy.url,
    statusUrl: admin.statusUrl,
    nodeId: admin.nodeId,
    admin,
    proxy,
    control: {
      admin: admin.control,
      proxy: proxy.control,
      /** Re-reads the proxy's routes now. */
      reload: () => proxy.reload(),
      /** Makes the DB look unreachable (or reachable again) for admin, status and proxy. */
      async setDbUnreachable(/** @type {boolean} */ down) {
        await admin.control.setFaults({ dbUnreachable: down });
        await proxy.control.setFaults({ dbUnreachable: down });
      },
    },
    async stop() {
      await Promise.allSettled([admin.stop(), proxy.stop()]);
    },
  };
}
