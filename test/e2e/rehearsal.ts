// The world an upgrade rehearsal runs in: one throwaway PostgreSQL with production's, green's and
// preproduction's databases, simulated Kong nodes (test/kong-sim) started and stopped by the
// operator script the reusable workflows call (test/e2e/operator/kong-operator.mjs, in the
// caller's checkout as deploy/kong-operator, talking to this world over loopback HTTP), a real
// nginx in front of production's proxies (the traffic front), a real HTTP backend behind Kong,
// the environments (secrets, variables, reviewers) GitHub would hold, and a fake GitHub API that
// the doctor job reads them from.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { githubApi, type RepositorySpec } from '../github/github-api.js';
import { startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { promoteHttpConfig, startNginx, type NginxServer } from '../helpers/nginx.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { kongBinaries } from '../kong/fixtures.js';
import { pgEnv, runKong } from '../kong-sim/helpers.js';
// @ts-ignore -- plain .mjs module without type declarations
import { startKongNode } from '../kong-sim/start.mjs';
// @ts-ignore -- plain .mjs module without type declarations
import { seedKongDatabase } from '../kong-sim/seed/generate.mjs';
import type { EnvironmentConfig, RunWorkflowOptions } from '../workflow-harness/harness.js';

interface SimNode {
  adminUrl: string;
  proxyUrl: string;
  statusUrl: string;
  control: { proxy: { setFaults(patch: object): Promise<void> }; admin: { setFaults(patch: object): Promise<void> } };
  stop(): Promise<void>;
}

export interface RunningNode {
  readonly version: string;
  readonly database: string;
  readonly cluster: string;
  readonly node: SimNode;
}

/** Which node an operator step acts on: environment + role. */
export type NodeKey = 'production' | 'production-green' | 'preproduction' | 'preproduction-green';

/** One call of the operator script: its phase, its KONG_UPGRADE_* variables, whether the secrets arrived. */
export interface OperatorCall {
  readonly phase: string;
  readonly env: Readonly<Record<string, string>>;
  readonly sshKey: boolean;
  readonly kubeconfig: boolean;
  readonly gitopsToken: boolean;
}

/** Where the caller workflows (workflows-examples/*.yml) expect the operator script. */
export const OPERATOR_SCRIPT = 'deploy/kong-operator';
/** Every `run:` step of the reusable workflows the rehearsals execute for real. */
export const RUN_SCRIPTS = [
  'doctor', 'checks', 'strategy', 'targets', 'unreviewed', 'approval-recorded', 'window',
  'stop-old', 'start-old', 'start-new', 'deploy-green', 'retire-blue', 'stop-new', 'names',
  'freeze-writes', 'lift-freeze',
];
/**
 * The jobs a successful run of workflows-examples/upgrade.yml lists, in order: the called
 * workflow's jobs (`upgrade / …`), the production jobs of the other strategies and the rolling
 * jobs (deployments without a database) skipped, then the call.
 */
export function upgradeJobs(strategy: 'in-place' | 'dual-cluster' | 'blue-green'): [string, string][] {
  const production = ['production-in-place', 'production-dual-cluster', 'production-blue-green', 'production-blue-green-finish'];
  const ran = (job: string) => job === `production-${strategy}` || (strategy === 'blue-green' && job === 'production-blue-green-finish');
  const ok = (job: string): [string, string] => [`upgrade / ${job}`, 'success'];
  return [
    ...['doctor', 'preflight', 'plan', 'backup', 'preproduction'].map(ok),
    ['upgrade / preproduction-rolling', 'skipped'],
    ok('gate'),
    ...production.map((job): [string, string] => [`upgrade / ${job}`, ran(job) ? 'success' : 'skipped']),
    ['upgrade / production-rolling', 'skipped'],
    ['upgrade', 'success'],
  ];
}

const OPERATOR_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'operator', 'kong-operator.mjs');

export interface World {
  readonly pg: PostgresServer;
  readonly bins: string;
  readonly dir: string;
  /** Planted secrets: must appear nowhere the runs write. */
  readonly adminToken: string;
  readonly passphrase: string;
  readonly sshKey: string;
  readonly kubeconfig: string;
  readonly gitopsToken: string;
  /** Repository variables (the caller's `with:` reads them: runner labels, migrate runner). */
  readonly vars: Record<string, string>;
  /** The fake GitHub API the doctor reads the environments from. */
  readonly github: FakeGithub;
  /** Every call of the operator script, in order. */
  readonly operatorCalls: OperatorCall[];
  /** A phase done wrong on purpose (the operator installed another version): phase → version. */
  operatorFaults: Record<string, string>;
  /** runWorkflow's options every rehearsal shares (environments, vars, checkout, scripts, API). */
  runOptions(workDir: string): Pick<RunWorkflowOptions, 'workDir' | 'environments' | 'vars' | 'checkout' | 'runScripts' | 'apiUrl' | 'sampleArgvMs'>;
  readonly front: NginxServer;
  readonly checkout: string;
  readonly environments: Record<string, EnvironmentConfig & { vars: Record<string, string>; secrets: Record<string, string> }>;
  readonly nodes: Map<NodeKey, RunningNode>;
  /** Faults applied to the next green node started (a faulty green). */
  greenFaults: object | undefined;
  url(database: string): string;
  startNode(key: NodeKey, database: string, version: string): Promise<RunningNode>;
  stopNode(key: NodeKey): Promise<void>;
  /** Points the traffic front at a node's proxy (one nginx reload). */
  routeTrafficTo(key: NodeKey): Promise<void>;
  /**
   * With `promoteFront`: the file included in the front's `upstream kong { }` block (promote owns
   * it), the access log with $upstream_addr, and the pid file.
   */
  readonly promoteFront: { upstreamFile: string; accessLog: string; pidFile: string } | undefined;
  /** With `proxyAccessLogs`: the file a node's proxy logs each request to (Kong's proxy_access_log). */
  accessLogOf(key: NodeKey): string;
  /** X-Kong-Sim-Cluster and Via of a request through the traffic front. */
  throughFront(): Promise<{ status: number; cluster: string | null; via: string | null }>;
  stop(): Promise<void>;
}

const SMOKE_REQUESTS = `- name: echo
  path: /echo
  expect:
    status: 200
    json: { '$.backend': ok }
`;

export interface WorldOptions {
  /**
   * The traffic front as promote's nginx backend wants it: `upstream kong { include <file>; }`,
   * a pid file and an access log carrying $upstream_addr/$upstream_status. Production's
   * variables select backend nginx with short gates; each green node started in production is
   * registered in the include file `down` (the operator's load-balancer step), and a blue node
   * started again is put back as the live server.
   */
  readonly promoteFront?: boolean;
  /** Each node's proxy writes an access log (accessLogOf): what the write freeze reads refused writes from. */
  readonly proxyAccessLogs?: boolean;
}

/** Production bootstrapped at `fromVersion` and seeded small; nginx in front of its proxy. */
export async function createWorld(fromVersion: string, options: WorldOptions = {}): Promise<World> {
  const server = await startPostgres({ database: 'postgres' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kong-e2e-'));
  const adminToken = `kadm-PLANTED-${randomBytes(9).toString('hex')}`;
  const passphrase = `backup-PLANTED-${randomBytes(9).toString('hex')}`;
  const sshKey = `ssh-PLANTED-${randomBytes(9).toString('hex')}`;
  const kubeconfig = `kubeconfig-PLANTED-${randomBytes(9).toString('hex')}`;
  const gitopsToken = `gitops-PLANTED-${randomBytes(9).toString('hex')}`;
  const bins = kongBinaries(['2.8.5', '3.4.1', '3.4.2']);
  const backend = await startBackend();
  const nodes = new Map<NodeKey, RunningNode>();
  const url = (database: string) => `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}?sslmode=disable`;

  await server.createDatabase('kong');
  const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'kong'), KONG_SIM_VERSION: fromVersion });
  if (boot.exitCode !== 0) throw new Error(`bootstrap: ${boot.stdout}${boot.stderr}`);
  await seedKongDatabase(
    { host: server.host, port: server.port, user: server.user, password: server.password, database: 'kong' },
    { counts: { services: 12, routes: 30, consumers: 20, plugins: 15, keyauth_credentials: 20, upstreams: 2, targets: 4, certificates: 2, snis: 2, ca_certificates: 1, basicauth_credentials: 3, ratelimiting_metrics: 10 }, version: fromVersion, seed: 'e2e' },
  );

  // The caller's repository: the smoke requests and the operator script the callers name.
  const checkout = path.join(dir, 'checkout');
  mkdirSync(path.join(checkout, '.github'), { recursive: true });
  mkdirSync(path.join(checkout, path.dirname(OPERATOR_SCRIPT)), { recursive: true });
  writeFileSync(path.join(checkout, '.github', 'kong-smoke.yaml'), SMOKE_REQUESTS);
  copyFileSync(OPERATOR_SOURCE, path.join(checkout, OPERATOR_SCRIPT));
  chmodSync(path.join(checkout, OPERATOR_SCRIPT), 0o755);

  const operatorCalls: OperatorCall[] = [];
  const control = await startControl(async (call) => operate(call));
  const common = (extra: Record<string, string>) => ({
    KONG_SMOKE_REQUESTS_FILE: '.github/kong-smoke.yaml',
    KONG_OPERATOR_CONFIG: JSON.stringify({ control: control.url }),
    ...extra,
  });
  const secretsOf = (database: string, green: string) => ({
    KONG_DATABASE_URL: url(database), KONG_GREEN_DATABASE_URL: url(green), KONG_ADMIN_TOKEN: adminToken, BACKUP_PASSPHRASE: passphrase, KONG_SSH_KEY: sshKey, KONG_KUBECONFIG: kubeconfig, KONG_GITOPS_TOKEN: gitopsToken,
  });
  const environments: World['environments'] = {
    'production-readonly': { secrets: { KONG_DATABASE_URL: url('kong'), KONG_ADMIN_TOKEN: adminToken, BACKUP_PASSPHRASE: passphrase }, vars: common({}) },
    preproduction: { secrets: secretsOf('kong_preprod', 'kong_preprod_green'), vars: common({}) },
    // Required reviewers: each production job waits for their approval (granted).
    production: { secrets: secretsOf('kong', 'kong_green'), vars: common({}), reviewers: ['platform-lead'] },
  };
  const repositoryVars: Record<string, string> = {
    KONG_RUNNER_LABELS: '["self-hosted","kong-e2e"]',
    KONG_PLAN_OFFLINE: 'true',
    KONG_MIGRATE_RUNNER: 'binary',
    KONG_PATH: path.join(bins, 'kong-{version}'),
  };
  // What GitHub's API says about those environments: production protected, every secret there.
  const names = (config: { secrets?: Readonly<Record<string, string>> }) => Object.keys(config.secrets ?? {});
  const apiSpec: RepositorySpec = {
    owner: 'example',
    repo: 'kong-ops',
    environments: {
      'production-readonly': { secrets: names(environments['production-readonly']!) },
      preproduction: { secrets: names(environments.preproduction!) },
      production: { reviewers: [{ user: 'platform-lead' }], preventSelfReview: true, branchPolicy: { protected_branches: true, custom_branch_policies: false }, secrets: names(environments.production!) },
    },
  };
  const github = await startFakeGithub({}, githubApi(apiSpec));
  const varsOf = (key: NodeKey) => environments[key.startsWith('preproduction') ? 'preproduction' : 'production']!.vars;
  // The read-only environment reads production's Admin API too.
  const readonlyVars = environments['production-readonly']!.vars;

  let front: NginxServer | undefined;
  const frontConfDir = path.join(dir, 'front');
  mkdirSync(frontConfDir);
  chmodSync(frontConfDir, 0o755);
  const upstreamFile = path.join(frontConfDir, 'kong-upstream.conf');
  let promoteFront: World['promoteFront'];
  const hostOf = (key: NodeKey) => new URL(nodes.get(key)!.node.proxyUrl).host;
  /** The operator's view of the front: blue live, green (when there is one) registered down. */
  const writeUpstreamFile = () => {
    const lines = [`server ${hostOf('production')}; # blue (operator)`];
    if (nodes.has('production-green')) lines.push(`server ${hostOf('production-green')} down; # green (operator)`);
    writeFileSync(upstreamFile, `${lines.join('\n')}\n`);
  };
  const world: World = {
    pg: server,
    bins,
    dir,
    adminToken,
    passphrase,
    sshKey,
    kubeconfig,
    gitopsToken,
    vars: repositoryVars,
    github,
    operatorCalls,
    operatorFaults: {},
    runOptions: (workDir) => ({
      workDir, environments, vars: repositoryVars, checkout, runScripts: RUN_SCRIPTS, apiUrl: github.url, sampleArgvMs: 20,
    }),
    get front() {
      return front!;
    },
    checkout,
    environments,
    nodes,
    greenFaults: undefined,
    get promoteFront() {
      return promoteFront;
    },
    url,
    accessLogOf: (key) => path.join(dir, `${key}-access.log`),
    async startNode(key, database, version) {
      if (nodes.has(key)) throw new Error(`${key} is already running`);
      const green = key.endsWith('green');
      const node = (await startKongNode({
        pg: { host: server.host, port: server.port, user: server.user, password: server.password, database },
        version,
        cluster: green ? 'green' : 'blue',
        rbacToken: adminToken,
        reloadIntervalMs: 200,
        ...(options.proxyAccessLogs && { proxyAccessLog: world.accessLogOf(key) }),
        ...(green && world.greenFaults ? { proxyFaults: world.greenFaults, adminFaults: world.greenFaults } : {}),
      })) as SimNode;
      const running = { version, database, cluster: green ? 'green' : 'blue', node };
      nodes.set(key, running);
      // The operator's DNS/load-balancer names now lead to this node: here, the variables.
      const vars = varsOf(key);
      const prefix = green ? 'KONG_GREEN_' : 'KONG_';
      vars[`${prefix}ADMIN_URL`] = node.adminUrl;
      vars[`${prefix}PROXY_URL`] = node.proxyUrl;
      if (key === 'production') {
        readonlyVars.KONG_ADMIN_URL = node.adminUrl;
        readonlyVars.KONG_PROXY_URL = node.proxyUrl;
      }
      if (promoteFront && key.startsWith('production')) {
        vars[green ? 'KONG_GREEN_SERVERS' : 'KONG_BLUE_SERVERS'] = new URL(node.proxyUrl).host;
        // Blue back (rollback): live again. Green: registered at the front, down, until promote.
        if (nodes.has('production')) {
          writeUpstreamFile();
          await front!.reload();
        }
      }
      return running;
    },
    async stopNode(key) {
      const running = nodes.get(key);
      if (!running) return;
      nodes.delete(key);
      await running.node.stop();
    },
    async routeTrafficTo(key) {
      const running = nodes.get(key);
      if (!running) throw new Error(`no ${key} node to route traffic to`);
      if (promoteFront) {
        if (key !== 'production') throw new Error('with the promote front, only promote moves traffic to green');
        writeUpstreamFile();
        await front!.reload();
        return;
      }
      await front!.reload({ upstreams: [{ address: new URL(running.node.proxyUrl).host }] });
    },
    async throughFront() {
      const response = await fetch(`${front!.url}/echo`);
      await response.arrayBuffer();
      return { status: response.status, cluster: response.headers.get('x-kong-sim-cluster'), via: response.headers.get('via') };
    },
    async stop() {
      for (const key of [...nodes.keys()]) await world.stopNode(key);
      await front?.stop();
      await control.close();
      await github.close();
      await new Promise<void>((resolve) => backend.close(() => resolve()));
      await server.stop();
      rmSync(bins, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const blue = await world.startNode('production', 'kong', fromVersion);
  await addEchoRoute(blue.node.adminUrl, adminToken, backend.url);
  if (options.promoteFront) {
    writeUpstreamFile();
    front = await startNginx({ httpConfig: promoteHttpConfig(upstreamFile) });
    promoteFront = { upstreamFile, accessLog: path.join(front.dir, 'logs', 'promote.log'), pidFile: path.join(front.dir, 'nginx.pid') };
    Object.assign(environments.production!.vars, {
      KONG_BLUE_SERVERS: new URL(blue.node.proxyUrl).host,
      KONG_TRAFFIC_BACKEND: 'nginx',
      KONG_NGINX_UPSTREAM_FILE: upstreamFile,
      KONG_NGINX_CONF: front.configPath,
      KONG_NGINX_ACCESS_LOG: promoteFront.accessLog,
      KONG_NGINX_PID_FILE: promoteFront.pidFile,
      // Short gates: three steps of one second each, measured every half second.
      KONG_PROMOTE_STRATEGY: 'canary',
      KONG_PROMOTE_STEPS: '10,50,100',
      KONG_PROMOTE_PAUSE: '1s',
      KONG_PROMOTE_INTERVAL: '500ms',
      KONG_PROMOTE_MIN_SAMPLES: '20',
    });
  } else {
    front = await startNginx({ upstreams: [{ address: new URL(blue.node.proxyUrl).host }] });
  }

  // The operator script's phases, done to the simulated fleet (workflows-examples/operator/README.md).
  const dbOf = (key: NodeKey, strategy: string) =>
    key === 'production' ? 'kong' : key === 'preproduction' ? 'kong_preprod' : strategy === 'blue-green' ? (key === 'production-green' ? 'kong' : 'kong_preprod') : key === 'production-green' ? 'kong_green' : 'kong_preprod_green';
  const digest = (value: string) => createHash('sha256').update(value).digest('hex');
  async function operate(call: { phase: string; env: Record<string, string>; sshKey: string; kubeconfig: string; gitopsToken: string }): Promise<string> {
    const { phase, env } = call;
    operatorCalls.push({ phase, env, sshKey: call.sshKey === digest(sshKey), kubeconfig: call.kubeconfig === digest(kubeconfig), gitopsToken: call.gitopsToken === digest(gitopsToken) });
    const preproduction = env.KONG_UPGRADE_ENVIRONMENT === 'preproduction';
    if (!preproduction && env.KONG_UPGRADE_ENVIRONMENT !== 'production') throw new Error(`unknown environment ${env.KONG_UPGRADE_ENVIRONMENT}`);
    const green = env.KONG_UPGRADE_ROLE === 'green';
    const key: NodeKey = preproduction ? (green ? 'preproduction-green' : 'preproduction') : green ? 'production-green' : 'production';
    switch (phase) {
      // The operator's own freeze (an RBAC role swap, a load-balancer rule): only recorded here.
      case 'freeze-writes':
      case 'lift-freeze':
        return `${phase} on ${key}: recorded`;
      case 'stop-old':
      case 'stop-new':
      case 'retire-blue':
        await world.stopNode(key);
        return `stopped ${key}`;
      case 'start-old':
      case 'start-new':
      case 'deploy-green': {
        const version = requireVersion(world.operatorFaults[phase] ?? env.KONG_UPGRADE_VERSION);
        await world.stopNode(key);
        await world.startNode(key, dbOf(key, env.KONG_UPGRADE_STRATEGY ?? ''), version);
        // The same hosts come back behind the same front (in-place, rollback).
        if (key === 'production') await world.routeTrafficTo('production');
        return `started ${key} at ${version}`;
      }
      default:
        throw new Error(`unknown phase ${JSON.stringify(phase)}`);
    }
  }
  return world;
}

/** The world's side of the operator script: POST /phase, 200 with what was done or 500 with why not. */
async function startControl(handle: (call: { phase: string; env: Record<string, string>; sshKey: string; kubeconfig: string; gitopsToken: string }) => Promise<string>) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      handle(JSON.parse(body)).then(
        (done) => res.writeHead(200).end(done),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The operator scripts validate the version before using it; so does the world. */
function requireVersion(version: string | undefined): string {
  if (!version || !/^\d+(\.\d+){2,3}$/.test(version)) throw new Error(`not a Kong version: ${JSON.stringify(version)}`);
  return version;
}

async function addEchoRoute(adminUrl: string, token: string, backendUrl: string): Promise<void> {
  const post = async (pathname: string, body: object) => {
    const response = await fetch(`${adminUrl}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json', 'kong-admin-token': token }, body: JSON.stringify(body) });
    if (response.status !== 201) throw new Error(`POST ${pathname}: ${response.status} ${await response.text()}`);
  };
  await post('/services', { name: 'echo', url: backendUrl });
  await post('/services/echo/routes', { name: 'echo', paths: ['/echo'] });
}

async function startBackend(): Promise<{ url: string; close(cb: () => void): void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"backend":"ok"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: (cb) => server.close(cb) };
}

/**
 * A fingerprint of the entity data that survives migrations: per entity table, the md5 of its rows
 * restricted to the columns it had before the upgrade (new columns are Kong's additions, not data
 * the operator wrote), ordered by id. Equal before and after = no row lost, added or altered.
 */
export async function dataFingerprint(server: PostgresServer, database: string, columnsOf?: Map<string, string[]>): Promise<{ digest: Map<string, string>; columns: Map<string, string[]> }> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  try {
    const tables = ['services', 'routes', 'consumers', 'plugins', 'keyauth_credentials', 'upstreams', 'targets', 'certificates', 'snis', 'ca_certificates'];
    const columns = columnsOf ?? new Map<string, string[]>();
    if (!columnsOf) {
      const res = await client.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY($1) ORDER BY ordinal_position`,
        [tables],
      );
      for (const row of res.rows) columns.set(row.table_name, [...(columns.get(row.table_name) ?? []), row.column_name]);
    }
    const digest = new Map<string, string>();
    for (const [table, cols] of columns) {
      const list = cols.map((c) => `"${c}"`).join(', ');
      const res = await client.query<{ n: string; h: string | null }>(
        `SELECT count(*)::text AS n, md5(string_agg(row(${list})::text, '|' ORDER BY id::text)) AS h FROM "${table}"`,
      );
      digest.set(table, `${res.rows[0]!.n}:${res.rows[0]!.h ?? ''}`);
    }
    return { digest, columns };
  } finally {
    await client.end();
  }
}

/** kind of `kong migrations list` state via schema_meta: every subsystem's pending list empty. */
export async function pendingMigrations(server: PostgresServer, database: string): Promise<number> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  try {
    const res = await client.query<{ n: number }>("SELECT coalesce(sum(coalesce(array_length(pending, 1), 0)), 0)::int AS n FROM schema_meta WHERE key = 'schema_meta'");
    return res.rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** Every file under `dir` whose content or path contains `secret`. */
export function filesContaining(dir: string, secret: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (full.includes(secret)) hits.push(full);
      // Links (a sparse checkout's dist/) lead out of the run's folder: not followed.
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) walk(full);
      else if (readFileSync(full).includes(secret)) hits.push(full);
    }
  };
  walk(dir);
  return hits;
}
