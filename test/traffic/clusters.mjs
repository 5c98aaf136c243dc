// Blue and green simulated Kong clusters (test/kong-sim/start.mjs) in a process of their own, so
// the load generator and the clusters do not share one event loop. Started by clusters.ts:
//   node clusters.mjs '<json: {pg, version, front?: boolean}>'
// prints one JSON line with the URLs, then takes one JSON command per stdin line:
//   {"id": 1, "cluster": "green", "faults": {"errorRate": 1, "errorStatus": 500}}  → {"id": 1, "ok": true}
// and stops everything when stdin closes.
import http from 'node:http';
import readline from 'node:readline';
import { startKongNode } from '../kong-sim/start.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');

// The upstream behind both clusters: a tiny JSON answer.
const upstream = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
upstream.keepAliveTimeout = 60_000;
await new Promise((resolve) => upstream.listen(config.upstreamPort ?? 0, '127.0.0.1', resolve));

const nodes = {};
for (const cluster of ['blue', 'green']) {
  nodes[cluster] = await startKongNode({ pg: config.pg, version: config.version, cluster, reloadIntervalMs: 0, proxyFaults: { errorStatus: 500 } });
}
// Optionally a third node without a cluster header: a Kong in front (kong-upstream backend).
if (config.front) {
  nodes.front = await startKongNode({ pg: config.frontPg ?? config.pg, version: config.version, reloadIntervalMs: config.frontReloadMs ?? 200 });
}

const out = { upstreamPort: upstream.address().port };
for (const [name, node] of Object.entries(nodes)) out[name] = { proxyUrl: node.proxyUrl, adminUrl: node.adminUrl, statusUrl: node.statusUrl, proxyPid: process.pid };
process.stdout.write(`${JSON.stringify(out)}\n`);

const stop = async () => {
  await Promise.allSettled(Object.values(nodes).map((n) => n.stop()));
  upstream.closeAllConnections?.();
  upstream.close();
  process.exit(0);
};
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const command = JSON.parse(line);
  try {
    if (command.reload) await nodes[command.cluster].control.reload();
    if (command.faults) await nodes[command.cluster].control.proxy.setFaults(command.faults);
    process.stdout.write(`${JSON.stringify({ id: command.id, ok: true })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id: command.id, ok: false, error: String(error) })}\n`);
  }
});
lines.on('close', stop);
process.on('SIGTERM', stop);
