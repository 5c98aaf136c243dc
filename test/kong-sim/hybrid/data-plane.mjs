// A hybrid data plane: a node without a database (dbless/node.mjs, role data_plane) that pings
// its control plane's cluster listener (hybrid/control-plane.mjs) with its version and the hash
// of the configuration it holds, and applies the configuration the control plane sends back.
// Kong's data plane pings every 30 s (kong/constants.lua 3.4.2 CLUSTERING_PING_INTERVAL); the
// simulator pings every `pingIntervalMs` so a test need not wait. A data plane the control plane
// refuses, or one told to fail its sync, keeps the configuration it had (none, when new): its
// proxy answers 404 to every request and its /status/ready says why.
import { startMemoryNode } from '../dbless/node.mjs';
import { loadDeclarative } from '../declarative/config.mjs';
import { sleep } from '../admin/sim-util.mjs';

/**
 * @typedef {object} DataPlaneOptions
 * @property {string} version
 * @property {string} clusterUrl         the control plane's cluster listener (cluster_control_plane)
 * @property {string} [hostname]          as the control plane lists it
 * @property {string} [cluster]           X-Kong-Sim-Cluster of proxied responses
 * @property {number} [pingIntervalMs]    default 200
 * @property {boolean} [failSync]         never apply a configuration (it still pings, with its old hash)
 * @property {'community'|'enterprise'} [edition]
 * @property {{status?: number, proxy?: number}} [ports]  fixed ports: a data plane replaced at the same address
 */

/** @param {DataPlaneOptions} options */
export async function startDataPlane(options) {
  const node = await startMemoryNode({ version: options.version, edition: options.edition, role: 'data_plane', hostname: options.hostname, cluster: options.cluster, ports: options.ports });
  let failSync = options.failSync ?? false;
  let stopped = false;
  /** What the control plane last said: 'normal', or why it refused. */
  let lastAnswer = 'not connected';

  const ping = async () => {
    const response = await fetch(`${options.clusterUrl}/v1/outlet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ node_id: node.nodeId, hostname: node.hostname, ip: '127.0.0.1', version: options.version, config_hash: node.currentHash() }),
    });
    const body = await response.json();
    if (response.status !== 200) {
      lastAnswer = body.message ?? `HTTP ${response.status}`;
      return;
    }
    lastAnswer = 'normal';
    if (failSync || typeof body.config !== 'string') return;
    const loaded = loadDeclarative(body.config, options.version);
    if ('config' in loaded) await node.apply(loaded.config, body.config_hash);
  };

  const loop = (async () => {
    while (!stopped) {
      // A control plane that is down (its upgrade) is retried; the data plane keeps serving.
      await ping().catch((error) => {
        lastAnswer = `control plane unreachable: ${error.message}`;
      });
      await sleep(options.pingIntervalMs ?? 200);
    }
  })();

  return {
    ...node,
    /** The control plane's last answer. */
    lastAnswer: () => lastAnswer,
    setFailSync(/** @type {boolean} */ value) {
      failSync = value;
    },
    async stop() {
      stopped = true;
      await loop;
      await node.stop();
    },
  };
}
