// The world a rolling rehearsal runs in (workflows-examples/upgrade-rolling.yml through the
// reusable kong-upgrade.yml): production and preproduction as GitHub environments (secrets,
// variables, production's reviewers) read by a fake GitHub API, the caller's checkout with the
// operator script the workflows call (test/e2e/operator/kong-operator.mjs) and smoke requests,
// a real HTTP backend behind Kong, and per environment either
//   - hybrid: a control plane on PostgreSQL (simulator, hybrid/control-plane.mjs) with its data
//     planes (test/rolling/fleet.ts), the control plane stopped and started again at the new
//     version by the operator's stop-old/start-new around the migrations, or
//   - db-less: DB-less nodes loading the caller's declarative file, decK installed by the tool
//     cache from a loopback release server (test/rolling/fake-deck.ts).
// Each operator phase is done to the simulated fleet: stop-old/start-new to the control plane,
// roll-batch/revert-batch to the nodes (workflows-examples/operator/README.md).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { releaseServer } from '../database/fake-deck.js';
import { githubApi, type RepositorySpec } from '../github/github-api.js';
import { startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { kongBinaries } from '../kong/fixtures.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startControlPlane } from '../kong-sim/hybrid/control-plane.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { FALLBACK_EE_DDL } from '../kong-sim/seed/fallback-schema.mjs';
import { pgEnv, runKong } from '../kong-sim/helpers.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { seedKongDatabase } from '../kong-sim/seed/generate.mjs';
import { fakeDeckConvertArchive } from '../rolling/fake-deck.js';
import { createFleet, type Fleet } from '../rolling/fleet.js';
import type { EnvironmentConfig, RunWorkflowOptions } from '../workflow-harness/harness.js';

const OPERATOR_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'operator', 'kong-operator.mjs');
export const OPERATOR_SCRIPT = 'deploy/kong-operator';
/** The run: steps the rolling rehearsals execute for real (the others of the workflows are skipped jobs). */
export const ROLLING_RUN_SCRIPTS = ['doctor', 'checks', 'strategy', 'targets', 'unreviewed', 'approval-recorded', 'window', 'stop-old', 'start-new', 'rolling-targets'];
const SMOKE_REQUESTS = `- name: echo
  path: /echo
  expect:
    status: 200
    json: { '$.backend': ok }
`;

type Env = 'production' | 'preproduction';

interface ControlPlane {
  adminUrl: string;
  statusUrl: string;
  clusterUrl: string;
  version: string;
  stop(): Promise<void>;
}

export interface OperatorCall {
  readonly phase: string;
  readonly env: Readonly<Record<string, string>>;
  readonly sshKey: boolean;
}

export interface RollingWorld {
  readonly kind: 'hybrid' | 'db-less';
  readonly dir: string;
  readonly pg: PostgresServer | undefined;
  readonly adminToken: string;
  readonly sshKey: string;
  readonly fleets: Readonly<Record<Env, Fleet>>;
  readonly controlPlanes: Map<Env, ControlPlane>;
  readonly operatorCalls: OperatorCall[];
  readonly github: FakeGithub;
  readonly checkout: string;
  readonly environments: Record<string, EnvironmentConfig & { vars: Record<string, string>; secrets: Record<string, string> }>;
  runOptions(workDir: string): Pick<RunWorkflowOptions, 'workDir' | 'environments' | 'vars' | 'checkout' | 'runScripts' | 'apiUrl' | 'sampleArgvMs' | 'processEnv'>;
  stop(): Promise<void>;
}

export interface RollingWorldOptions {
  readonly kind: 'hybrid' | 'db-less';
  readonly from: string;
  readonly to: string;
  /** Production's node names (preproduction's are the same: another cluster, the same shape). */
  readonly names: readonly string[];
  readonly productionBatches?: readonly (readonly string[])[];
  /** DB-less: the caller's declarative file (given the backend's URL). */
  readonly declarative?: (backendUrl: string) => string;
}

export async function createRollingWorld(options: RollingWorldOptions): Promise<RollingWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kong-e2e-${options.kind}-`));
  const adminToken = `kadm-PLANTED-${randomBytes(9).toString('hex')}`;
  const passphrase = `backup-PLANTED-${randomBytes(9).toString('hex')}`;
  const sshKey = `ssh-PLANTED-${randomBytes(9).toString('hex')}`;
  const backend = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"backend":"ok"}'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  const closers: (() => Promise<void>)[] = [() => new Promise<void>((resolve) => backend.close(() => resolve()))];

  const checkout = path.join(dir, 'checkout');
  mkdirSync(path.join(checkout, '.github'), { recursive: true });
  mkdirSync(path.join(checkout, 'deploy'), { recursive: true });
  writeFileSync(path.join(checkout, '.github', 'kong-smoke.yaml'), SMOKE_REQUESTS);
  copyFileSync(OPERATOR_SOURCE, path.join(checkout, OPERATOR_SCRIPT));
  chmodSync(path.join(checkout, OPERATOR_SCRIPT), 0o755);

  const operatorCalls: OperatorCall[] = [];
  const control = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const call = JSON.parse(body) as { phase: string; env: Record<string, string>; sshKey: string };
      operate(call).then(
        (done) => res.writeHead(200).end(done),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => control.close(() => resolve())));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

  const vars = (extra: Record<string, string>) => ({
    KONG_SMOKE_REQUESTS_FILE: '.github/kong-smoke.yaml',
    KONG_OPERATOR_CONFIG: JSON.stringify({ control: controlUrl }),
    KONG_ROLLING_SYNC_TIMEOUT: '20s',
    ...extra,
  });
  const environments: RollingWorld['environments'] = {
    'production-readonly': { secrets: { KONG_ADMIN_TOKEN: adminToken }, vars: vars({}) },
    preproduction: { secrets: { KONG_ADMIN_TOKEN: adminToken, KONG_SSH_KEY: sshKey }, vars: vars({}) },
    production: { secrets: { KONG_ADMIN_TOKEN: adminToken, KONG_SSH_KEY: sshKey }, vars: vars({}), reviewers: ['platform-lead'] },
  };
  const repositoryVars: Record<string, string> = { KONG_RUNNER_LABELS: '["self-hosted","kong-e2e"]', KONG_PLAN_OFFLINE: 'true', KONG_ROLLING_BATCH_SIZE: '2' };

  let pgServer: PostgresServer | undefined;
  const controlPlanes = new Map<Env, ControlPlane>();
  const clusterPorts = new Map<Env, number>();
  const fleets = {} as Record<Env, Fleet>;
  const databaseOf: Record<Env, string> = { production: 'kong', preproduction: 'kong_preprod' };

  /** A control plane on the environment's database, its cluster listener on the same port each time. */
  const startCp = async (env: Env, version: string): Promise<ControlPlane> => {
    const server = pgServer!;
    const cp = (await startControlPlane({
      pg: { host: server.host, port: server.port, user: server.user, password: server.password, database: databaseOf[env] },
      version, edition: 'enterprise', rbacToken: adminToken, reloadIntervalMs: 200, clusterPort: clusterPorts.get(env),
    })) as ControlPlane;
    cp.version = version;
    clusterPorts.set(env, Number(new URL(cp.clusterUrl).port));
    controlPlanes.set(env, cp);
    // The operator's DNS names now lead to it: here, the environment's variables.
    Object.assign(environments[env]!.vars, { KONG_ADMIN_URL: cp.adminUrl, KONG_STATUS_URL: cp.statusUrl });
    if (env === 'production') Object.assign(environments['production-readonly']!.vars, { KONG_ADMIN_URL: cp.adminUrl, KONG_STATUS_URL: cp.statusUrl });
    return cp;
  };

  if (options.kind === 'hybrid') {
    pgServer = await startPostgres({ database: 'postgres' });
    const server = pgServer;
    const url = (database: string) => `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}?sslmode=disable`;
    for (const database of ['kong', 'kong_preprod']) {
      await server.createDatabase(database);
      const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, database), KONG_SIM_VERSION: options.from });
      if (boot.exitCode !== 0) throw new Error(`bootstrap ${database}: ${boot.stdout}${boot.stderr}`);
      // Enterprise's own tables the Admin API serves (the simulator's migrations are Kong OSS's).
      const client = new pg.Client(url(database));
      await client.connect();
      await client.query(FALLBACK_EE_DDL).finally(() => client.end());
    }
    await seedKongDatabase(url('kong'), { counts: { services: 8, routes: 16, consumers: 10, plugins: 6, keyauth_credentials: 10 }, version: options.from.split('.').slice(0, 3).join('.'), seed: 'hybrid-e2e' });
    const secretsOf = (database: string) => ({ KONG_DATABASE_URL: url(database), BACKUP_PASSPHRASE: passphrase });
    Object.assign(environments['production-readonly']!.secrets, secretsOf('kong'));
    Object.assign(environments.preproduction!.secrets, secretsOf('kong_preprod'));
    Object.assign(environments.production!.secrets, secretsOf('kong'));
    const bins = kongBinaries([options.from, options.to]);
    closers.push(async () => rmSync(bins, { recursive: true, force: true }));
    Object.assign(repositoryVars, { KONG_MIGRATE_RUNNER: 'binary', KONG_PATH: path.join(bins, 'kong-{version}') });

    const cp = await startCp('production', options.from);
    const post = async (p: string, body: object) => {
      const response = await fetch(`${cp.adminUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'kong-admin-token': adminToken }, body: JSON.stringify(body) });
      if (response.status !== 201) throw new Error(`POST ${p}: ${response.status} ${await response.text()}`);
    };
    await post('/services', { name: 'echo', url: backendUrl });
    await post('/services/echo/routes', { name: 'echo', paths: ['/echo'] });
    await startCp('preproduction', options.from);
    for (const env of ['production', 'preproduction'] as const) {
      fleets[env] = await createFleet({ kind: 'hybrid', names: options.names, version: options.from, edition: 'enterprise', clusterUrl: controlPlanes.get(env)!.clusterUrl });
    }
  } else {
    const text = options.declarative!(backendUrl);
    writeFileSync(path.join(checkout, 'deploy', 'kong.yml'), text);
    repositoryVars.KONG_DECLARATIVE_CONFIG = 'deploy/kong.yml';
    for (const env of ['production', 'preproduction'] as const) {
      fleets[env] = await createFleet({ kind: 'db-less', names: options.names, version: options.from, config: text });
    }
    // decK through the tool cache, from a loopback release server (as backup-db's test does).
    const archive = fakeDeckConvertArchive(dir, '1.65.1');
    const sha = createHash('sha256').update(archive).digest('hex');
    const releases = await releaseServer({
      '/v1.65.1/deck_1.65.1_linux_amd64.tar.gz': archive,
      '/v1.65.1/checksums.txt': Buffer.from(`${sha}  deck_1.65.1_linux_amd64.tar.gz\n`),
    });
    closers.push(() => releases.close());
    repositoryVars.KONG_DECK_DOWNLOAD_URL = `${releases.url}/v{version}/deck_{version}_{os}_{arch}.tar.gz`;
    // The plan reads the running version from a production node; preflight checks one.
    const first = JSON.parse(fleets.production.nodesJson())[0] as Record<string, string>;
    Object.assign(environments['production-readonly']!.vars, { KONG_ADMIN_URL: first['admin-url']!, KONG_STATUS_URL: first['status-url']! });
  }
  for (const env of ['production', 'preproduction'] as const) {
    const nodes = JSON.parse(fleets[env].nodesJson()) as Record<string, string>[];
    Object.assign(environments[env]!.vars, { KONG_ROLLING_NODES: fleets[env].nodesJson(), KONG_PROXY_URL: nodes[0]!['proxy-url']! });
    if (env === 'production') environments['production-readonly']!.vars.KONG_ROLLING_NODES = fleets[env].nodesJson();
  }
  if (options.productionBatches) environments.production!.vars.KONG_ROLLING_BATCHES = JSON.stringify(options.productionBatches);

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
  closers.push(() => github.close());

  const digest = (value: string) => createHash('sha256').update(value).digest('hex');
  async function operate(call: { phase: string; env: Record<string, string>; sshKey: string }): Promise<string> {
    const { phase, env } = call;
    operatorCalls.push({ phase, env, sshKey: call.sshKey === digest(sshKey) });
    const where = env.KONG_UPGRADE_ENVIRONMENT;
    if (where !== 'production' && where !== 'preproduction') throw new Error(`unknown environment ${where}`);
    switch (phase) {
      case 'roll-batch':
      case 'revert-batch':
        return fleets[where].operate(phase, env);
      case 'stop-old': {
        // The data planes keep serving from their configuration while the control plane is down.
        await controlPlanes.get(where)?.stop();
        controlPlanes.delete(where);
        return `stopped the ${where} control plane`;
      }
      case 'start-new': {
        const version = env.KONG_UPGRADE_VERSION ?? '';
        if (!/^\d+(\.\d+){2,3}$/.test(version)) throw new Error(`not a Kong version: ${JSON.stringify(version)}`);
        await controlPlanes.get(where)?.stop();
        await startCp(where, version);
        return `started the ${where} control plane at ${version}`;
      }
      default:
        throw new Error(`unknown phase ${JSON.stringify(phase)}`);
    }
  }

  return {
    kind: options.kind,
    dir,
    pg: pgServer,
    adminToken,
    sshKey,
    fleets,
    controlPlanes,
    operatorCalls,
    github,
    checkout,
    environments,
    // The run's own tool cache: decK is downloaded (and its checksum checked) once per run.
    runOptions: (workDir) => ({ workDir, environments, vars: repositoryVars, checkout, runScripts: ROLLING_RUN_SCRIPTS, apiUrl: github.url, sampleArgvMs: 20, processEnv: { RUNNER_TOOL_CACHE: path.join(workDir, 'tool-cache') } }),
    async stop() {
      for (const fleet of Object.values(fleets)) await fleet.stop();
      for (const cp of controlPlanes.values()) await cp.stop();
      for (const close of closers.reverse()) await close();
      await pgServer?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
