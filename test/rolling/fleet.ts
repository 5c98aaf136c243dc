// Simulated nodes a rolling upgrade replaces, and the operator's side of the contract for them
// (workflows-examples/operator/README.md, phases roll-batch and revert-batch): hybrid data planes
// of a simulated control plane, or DB-less nodes. Each node keeps its address (ports) when it is
// replaced, as a VM or a Kubernetes Service does. The operator script of the tests
// (test/e2e/operator/kong-operator.mjs) posts each phase to `control.url`.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error plain ESM JavaScript without declarations
import { startDblessNode } from '../kong-sim/dbless/node.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { startDataPlane } from '../kong-sim/hybrid/data-plane.mjs';

interface SimNode {
  version: string;
  nodeId: string;
  proxyUrl: string;
  statusUrl: string;
  adminUrl?: string;
  currentHash(): string;
  stop(): Promise<void>;
}

export interface FleetCall {
  readonly phase: string;
  readonly batch: readonly string[];
  readonly version: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface FleetOptions {
  readonly kind: 'hybrid' | 'db-less';
  readonly names: readonly string[];
  readonly version: string;
  readonly edition?: 'community' | 'enterprise';
  /** Hybrid: the control plane's cluster listener. */
  readonly clusterUrl?: string;
  /** DB-less: the file every node loads at first. */
  readonly config?: string;
  /** X-Kong-Sim-Cluster of the nodes' answers. */
  readonly cluster?: string;
}

export interface Fleet {
  readonly kind: 'hybrid' | 'db-less';
  /** The `nodes` input of the roll action. */
  nodesJson(): string;
  readonly running: Map<string, SimNode>;
  /** Nodes that, started at a version other than the first, fail to sync (data planes) or answer 503 to every proxied request (DB-less). */
  readonly failOnRoll: Set<string>;
  readonly calls: FleetCall[];
  /** Phases the fleet does not know are refused; other callers (the world) may add theirs. */
  operate(phase: string, env: Record<string, string>): Promise<string>;
  readonly control: { readonly url: string };
  stop(): Promise<void>;
}

export async function createFleet(options: FleetOptions): Promise<Fleet> {
  const running = new Map<string, SimNode>();
  const ports = new Map<string, { proxy: number; status: number; admin?: number }>();
  const failOnRoll = new Set<string>();
  const calls: FleetCall[] = [];

  const start = async (name: string, version: string, config: string | undefined): Promise<SimNode> => {
    const fixed = ports.get(name);
    const failing = version !== options.version && failOnRoll.has(name);
    const node = (options.kind === 'hybrid'
      ? await startDataPlane({ version, clusterUrl: options.clusterUrl, hostname: name, cluster: options.cluster ?? name, pingIntervalMs: 100, failSync: failing, edition: options.edition, ports: fixed })
      : await startDblessNode({ version, config, cluster: options.cluster ?? name, edition: options.edition, ports: fixed, ...(failing && { proxyFaults: { errorRate: 1, errorStatus: 503 } }) })) as SimNode;
    if (!fixed) {
      const port = (url: string | undefined) => (url === undefined ? undefined : Number(new URL(url).port));
      ports.set(name, { proxy: port(node.proxyUrl)!, status: port(node.statusUrl)!, admin: port(node.adminUrl) });
    }
    running.set(name, node);
    return node;
  };
  for (const name of options.names) await start(name, options.version, options.config);

  const operate = async (phase: string, env: Record<string, string>): Promise<string> => {
    const batch = JSON.parse(env.KONG_UPGRADE_BATCH ?? '[]') as string[];
    const version = env.KONG_UPGRADE_VERSION ?? '';
    calls.push({ phase, batch, version, env });
    if (phase !== 'roll-batch' && phase !== 'revert-batch') throw new Error(`unknown phase ${JSON.stringify(phase)}`);
    if (!/^\d+(\.\d+){2,3}$/.test(version)) throw new Error(`not a Kong version: ${JSON.stringify(version)}`);
    const file = env.KONG_UPGRADE_DECLARATIVE_CONFIG;
    const config = options.kind === 'db-less' ? (file ? readFileSync(file, 'utf8') : options.config) : undefined;
    for (const name of batch) {
      if (!ports.has(name)) throw new Error(`no node ${name}`);
      await running.get(name)?.stop();
      running.delete(name);
      await start(name, version, config);
    }
    return `${phase}: ${batch.join(', ')} at ${version}`;
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const call = JSON.parse(body) as { phase: string; env: Record<string, string> };
      operate(call.phase, call.env).then(
        (done) => res.writeHead(200).end(done),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    kind: options.kind,
    running,
    failOnRoll,
    calls,
    operate,
    control: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    nodesJson: () =>
      JSON.stringify(
        options.names.map((name) => {
          const p = ports.get(name)!;
          return {
            name,
            'proxy-url': `http://127.0.0.1:${p.proxy}`,
            'status-url': `http://127.0.0.1:${p.status}`,
            ...(p.admin === undefined ? {} : { 'admin-url': `http://127.0.0.1:${p.admin}` }),
          };
        }),
      ),
    async stop() {
      for (const node of running.values()) await node.stop();
      running.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
