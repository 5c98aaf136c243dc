// Test bed for promote: a throwaway PostgreSQL bootstrapped by the kong CLI simulator, one
// service + route, and blue and green simulated Kong clusters in a child process (clusters.mjs)
// whose proxies answer every request with X-Kong-Sim-Cluster: blue|green.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong } from '../kong-sim/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WS = '00000000-0000-4000-8000-000000000000';
export const VERSION = '3.9.3';

export interface ClusterNode {
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly statusUrl: string;
}

export interface Clusters {
  readonly blue: ClusterNode;
  readonly green: ClusterNode;
  readonly front: ClusterNode | undefined;
  readonly upstreamPort: number;
  /** Sets proxy faults on one cluster (errorRate, errorStatus, latencyMs, refuse). */
  setFaults(cluster: 'blue' | 'green' | 'front', faults: Record<string, unknown>): Promise<void>;
  reload(cluster: 'blue' | 'green' | 'front'): Promise<void>;
  stop(): Promise<void>;
}

export async function bootstrapDatabase(server: PostgresServer, database: string): Promise<pg.Pool> {
  await server.createDatabase(database);
  const result = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, database), KONG_SIM_VERSION: VERSION });
  if (result.exitCode !== 0) throw new Error(`kong migrations bootstrap failed: ${result.stderr}${result.stdout}`);
  const pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: server.password, database, max: 2 });
  pool.on('error', () => {}); // the server stops under idle clients at teardown
  await pool.query(`INSERT INTO workspaces (id, name) VALUES ($1, 'default') ON CONFLICT DO NOTHING`, [DEFAULT_WS]);
  return pool;
}

const connection = (server: PostgresServer, database: string) => ({ host: server.host, port: server.port, user: server.user, password: server.password, database });

/**
 * Blue and green on `database` (bootstrapped here), a route `/app` to the echo upstream; with
 * `frontDatabase`, also a Kong "front" node on that database (for the kong-upstream backend).
 */
export async function startClusters(server: PostgresServer, database: string, options: { frontDatabase?: string } = {}): Promise<Clusters> {
  const db = await bootstrapDatabase(server, database);
  const front = options.frontDatabase === undefined ? undefined : await bootstrapDatabase(server, options.frontDatabase);
  const child: ChildProcess = spawn(process.execPath, [path.join(here, 'clusters.mjs'), JSON.stringify({
    pg: connection(server, database), version: VERSION, front: front !== undefined,
    ...(options.frontDatabase === undefined ? {} : { frontPg: connection(server, options.frontDatabase) }),
  })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting = new Map<number, (reply: { ok: boolean; error?: string }) => void>();
  let first: ((line: string) => void) | undefined;
  const ready = new Promise<string>((resolve) => (first = resolve));
  lines.on('line', (line) => {
    if (first) {
      const f = first;
      first = undefined;
      f(line);
      return;
    }
    const reply = JSON.parse(line) as { id: number; ok: boolean; error?: string };
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = JSON.parse(await Promise.race([ready, exited.then(() => { throw new Error('clusters.mjs exited before it was ready'); })])) as {
    upstreamPort: number; blue: ClusterNode; green: ClusterNode; front?: ClusterNode;
  };
  let seq = 0;
  const send = (command: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, (reply) => (reply.ok ? resolve() : reject(new Error(reply.error))));
      child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
    });

  await db.query(`INSERT INTO services (id, name, host, port, path, protocol, ws_id) VALUES (gen_random_uuid(), 'app', '127.0.0.1', $1, '/', 'http', $2)`, [info.upstreamPort, DEFAULT_WS]);
  await db.query(`INSERT INTO routes (id, name, service_id, paths, protocols, strip_path, ws_id) SELECT gen_random_uuid(), 'app', id, ARRAY['/app'], ARRAY['http','https'], true, $1 FROM services WHERE name = 'app'`, [DEFAULT_WS]);
  await db.end();
  await send({ cluster: 'blue', reload: true });
  await send({ cluster: 'green', reload: true });
  if (front !== undefined) {
    // The front's service points at the upstream entity `kong-clusters` (targets: blue, green).
    await front.query(`INSERT INTO upstreams (id, name, slots, ws_id) VALUES (gen_random_uuid(), 'kong-clusters', 10000, $1)`, [DEFAULT_WS]);
    const target = (url: string) => new URL(url).host;
    await front.query(`INSERT INTO targets (id, upstream_id, target, weight, ws_id) SELECT gen_random_uuid(), id, $1, 100, $3::uuid FROM upstreams WHERE name = 'kong-clusters'
                       UNION ALL SELECT gen_random_uuid(), id, $2, 0, $3::uuid FROM upstreams WHERE name = 'kong-clusters'`, [target(info.blue.proxyUrl), target(info.green.proxyUrl), DEFAULT_WS]);
    await front.query(`INSERT INTO services (id, name, host, port, path, protocol, ws_id) VALUES (gen_random_uuid(), 'clusters', 'kong-clusters', 8000, '/', 'http', $1)`, [DEFAULT_WS]);
    await front.query(`INSERT INTO routes (id, name, service_id, paths, protocols, strip_path, ws_id) SELECT gen_random_uuid(), 'all', id, ARRAY['/'], ARRAY['http','https'], false, $1 FROM services WHERE name = 'clusters'`, [DEFAULT_WS]);
    await front.end();
    await send({ cluster: 'front', reload: true });
  }
  let stopped = false;
  return {
    blue: info.blue,
    green: info.green,
    front: info.front,
    upstreamPort: info.upstreamPort,
    setFaults: (cluster, faults) => send({ cluster, faults }),
    reload: (cluster) => send({ cluster, reload: true }),
    async stop() {
      if (stopped) return;
      stopped = true;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
