// A Kong node for the smoke tests over a real PostgreSQL database that the `kong` CLI simulator
// (test/kong-sim/bin/kong) bootstrapped with Kong's own tables: the simulator's Admin, Status
// and proxy servers (test/kong-sim/start.mjs), the proxy forwarding to a real upstream here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong } from '../kong-sim/helpers.js';
// @ts-ignore -- plain .mjs module without type declarations
import { startKongNode } from '../kong-sim/start.mjs';
// @ts-ignore -- plain .mjs module without type declarations
import { FALLBACK_EE_DDL } from '../kong-sim/seed/fallback-schema.mjs';

export interface Faults {
  version?: string;
  edition?: string;
  role?: 'traditional' | 'control_plane' | 'data_plane';
  latencyMs?: number;
  errorRate?: number;
  dbUnreachable?: boolean;
  notReady?: string;
  token?: string;
}

export interface StandIn {
  readonly adminUrl: string;
  readonly statusUrl: string;
  readonly proxyUrl: string;
  readonly db: pg.Pool;
  readonly faults: Faults;
  /** Rows served by /clustering/data-planes on a control plane. */
  setDataPlanes(list: object[]): void;
  refuseProxy(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_WS = '00000000-0000-4000-8000-000000000000';

/** Bootstraps `database` on `server` with the kong CLI simulator at `version`. */
export async function bootstrap(server: PostgresServer, database: string, version: string, options: { enterprise?: boolean } = {}): Promise<void> {
  await server.createDatabase(database);
  const result = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, database), KONG_SIM_VERSION: version });
  if (result.exitCode !== 0) throw new Error(`kong migrations bootstrap failed: ${result.stderr}${result.stdout}`);
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  await client.query(`INSERT INTO workspaces (id, name) VALUES ($1, 'default') ON CONFLICT DO NOTHING`, [DEFAULT_WS]);
  // Enterprise-only tables (consumer_groups) come from EE migrations the CLI simulator does not run.
  if (options.enterprise) await client.query(FALLBACK_EE_DDL);
  await client.end();
}

/**
 * The upstream every seeded service points at: it answers 200 with JSON naming the service
 * (seed puts the service's name in its path, /_svc/<name>) and the route (the name without its
 * sequence suffix), so proxy checks can tell which route Kong chose.
 */
let upstream: Promise<number> | undefined;
function upstreamPort(): Promise<number> {
  upstream ??= new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://upstream').pathname;
      const service = /^\/_svc\/([^/]+)/.exec(path)?.[1] ?? 'unknown';
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ route: service.replace(/-\d+$/, ''), service, path }));
    });
    server.unref();
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return upstream;
}

interface SimNode {
  adminUrl: string;
  statusUrl: string;
  proxyUrl: string;
  admin: { control: { setDataPlanes(list: object[]): void } };
  control: { proxy: { setFaults(patch: object): Promise<void> } };
  stop(): Promise<void>;
}

export async function startNode(server: PostgresServer, database: string, initial: Faults & { version: string }): Promise<StandIn> {
  const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database };
  const db = new pg.Pool({ ...connection, max: 4 });
  // As the simulator's and the traffic tests' pools: an idle client the server ends (57P01 when the
  // test's PostgreSQL stops) emits 'error' on the pool, which would crash the test run; a query's
  // own error still rejects that query.
  db.on('error', () => {});
  const faults: Faults = { ...initial };
  await upstreamPort();
  const node = (await startKongNode({
    pg: connection,
    version: initial.version,
    edition: initial.edition ?? (initial.version.split('.').length === 4 ? 'enterprise' : 'community'),
    rbacToken: initial.token,
    role: initial.role === 'control_plane' ? 'control_plane' : 'traditional',
    adminFaults: { dbUnreachable: initial.dbUnreachable ?? false },
    // The proxy keeps its own database access: the faults under test are the Admin API's.
    proxyFaults: { latencyMs: initial.latencyMs ?? 0, errorRate: initial.errorRate ?? 0, errorStatus: 503 },
    reloadIntervalMs: 200,
  })) as SimNode;
  return {
    adminUrl: node.adminUrl,
    statusUrl: node.statusUrl,
    proxyUrl: node.proxyUrl,
    db,
    faults,
    setDataPlanes(list: object[]) {
      node.admin.control.setDataPlanes(list);
    },
    async refuseProxy() {
      await node.control.proxy.setFaults({ refuse: true });
    },
    async close() {
      try {
        await node.stop();
      } finally {
        await db.end();
      }
    },
  };
}

let seq = 0;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Inserts entities in the default workspace (or `wsId`): services each with one route. */
export async function seed(db: pg.Pool, spec: { services: { name: string; path: string; host?: string }[]; upstreams?: { name: string; targets: number }[]; wsId?: string }): Promise<void> {
  const ws = spec.wsId ?? DEFAULT_WS;
  for (const service of spec.services) {
    const sid = uuid(++seq + 1000);
    const name = `${service.name}-${seq}`;
    await db.query("INSERT INTO services (id, name, host, port, path, protocol, ws_id) VALUES ($1, $2, '127.0.0.1', $3, $4, 'http', $5)", [sid, name, await upstreamPort(), `/_svc/${name}`, ws]);
    await db.query('INSERT INTO routes (id, name, service_id, paths, hosts, protocols, ws_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      uuid(++seq + 1000),
      service.name,
      sid,
      [service.path],
      service.host === undefined ? null : [service.host],
      ['http', 'https'],
      ws,
    ]);
  }
  for (const upstream of spec.upstreams ?? []) {
    const uid = uuid(++seq + 1000);
    await db.query('INSERT INTO upstreams (id, name, slots, ws_id) VALUES ($1, $2, 100, $3)', [uid, `${upstream.name}-${seq}`, ws]);
    for (let i = 0; i < upstream.targets; i++) {
      await db.query('INSERT INTO targets (id, upstream_id, target, weight, ws_id) VALUES ($1, $2, $3, 100, $4)', [uuid(++seq + 1000), uid, `10.0.0.${i + 1}:80`, ws]);
    }
  }
}
