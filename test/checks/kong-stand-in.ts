// A Kong node for the smoke tests over a real PostgreSQL database that the `kong` CLI simulator
// (test/kong-sim/bin/kong) bootstrapped with Kong's own tables: the simulated Admin and Status
// APIs (test/kong-sim/admin/server.mjs) and, until test/kong-sim/proxy/server.mjs exists, a small
// proxy here that routes by the routes table (paths prefix, hosts) with injected latency, a 5xx
// share and refused connections. Once the simulator's proxy and startKongNode land, `startNode`
// should use them instead.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pg from 'pg';
import type { PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong } from '../kong-sim/helpers.js';
// @ts-ignore -- plain .mjs module without type declarations
import { startAdminApi } from '../kong-sim/admin/server.mjs';
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

export async function startNode(server: PostgresServer, database: string, initial: Faults & { version: string }): Promise<StandIn> {
  const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database };
  const db = new pg.Pool({ ...connection, max: 4 });
  const faults: Faults = { ...initial };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', server: `kong/${faults.version}` });
    res.end(JSON.stringify(body));
  };
  // The Admin and Status APIs are the simulator's (test/kong-sim/admin/server.mjs).
  const adminApi = await startAdminApi({
    pg: connection,
    version: initial.version,
    edition: initial.edition ?? (initial.version.split('.').length === 4 ? 'enterprise' : 'community'),
    rbacToken: initial.token,
    role: initial.role === 'control_plane' ? 'control_plane' : 'traditional',
    faults: { dbUnreachable: initial.dbUnreachable ?? false },
  });

  let random = 0x4b6f6e67;
  const nextRandom = () => {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0;
    return random / 4294967296;
  };
  const proxy = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const host = (req.headers.host ?? '').split(':')[0];
      if (faults.latencyMs) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      if (faults.errorRate && nextRandom() < faults.errorRate) return json(res, 503, { message: 'Service unavailable' });
      const routes = (await db.query('SELECT r.name, r.paths, r.hosts, s.name AS service FROM routes r LEFT JOIN services s ON s.id = r.service_id')).rows as {
        name: string;
        paths: string[] | null;
        hosts: string[] | null;
        service: string | null;
      }[];
      const match = routes.find(
        (r) => (r.hosts === null || r.hosts.length === 0 || r.hosts.includes(host!)) && (r.paths ?? ['/']).some((p) => url.pathname.startsWith(p)),
      );
      if (match === undefined) return json(res, 404, { message: 'no Route matched with those values' });
      res.setHeader('via', `kong/${faults.version}`);
      return json(res, 200, { route: match.name, service: match.service, path: url.pathname });
    })().catch(() => json(res, 500, { message: 'An unexpected error occurred' }));
  });
  const sockets = new Set<Socket>();
  proxy.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (s: http.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const proxyPort = await listen(proxy);
  const close = (s: http.Server) => new Promise<void>((resolve) => {
    if (!s.listening) return resolve();
    s.closeAllConnections();
    s.close(() => resolve());
  });
  return {
    adminUrl: adminApi.url,
    statusUrl: adminApi.statusUrl!,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    db,
    faults,
    setDataPlanes(list: object[]) {
      adminApi.control.setDataPlanes(list);
    },
    async refuseProxy() {
      for (const socket of sockets) socket.destroy();
      await close(proxy);
    },
    async close() {
      await Promise.all([adminApi.stop(), close(proxy)]);
      await db.end();
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
    await db.query("INSERT INTO services (id, name, host, port, protocol, ws_id) VALUES ($1, $2, 'upstream.test', 80, 'http', $3)", [sid, `${service.name}-${seq}`, ws]);
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
