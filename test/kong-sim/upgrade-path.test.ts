// The simulator against the examples in test/fixtures (2.8.5 → 3.4.2 observed on real Kong,
// 3.4.2 → 3.9.3 worked out from its source): printed output compared line by line, exit codes of
// `list` in every state, and the schema_meta rows read directly after each step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXAMPLE_2_8_5_TO_3_4_2, EXAMPLE_3_4_2_TO_3_9_3, LIST_EXIT, NEEDS_BOOTSTRAP, PENDING_MIGRATIONS_ERROR, kongError,
} from '../fixtures/kong-cli.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { exampleSections, pgEnv, runKong, schemaMeta, withClient } from './helpers.js';
import { tablesAfter } from './db/schema.mjs';

const ex28 = exampleSections(EXAMPLE_2_8_5_TO_3_4_2);
const ex34 = exampleSections(EXAMPLE_3_4_2_TO_3_9_3);

function section(map: Map<string, string>, title: string): string {
  const s = map.get(title);
  if (s === undefined) throw new Error(`example section missing: ${title}`);
  return s;
}

let server: PostgresServer;
let n = 0;
async function freshDb(): Promise<Record<string, string>> {
  const name = `up_${++n}`;
  await server.createDatabase(name);
  return pgEnv(server, name);
}

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

const kong = (version: string, env: Record<string, string>, ...args: string[]) =>
  runKong(args, { ...env, KONG_SIM_VERSION: version });

describe('3.4.2 → 3.9.3 (fixtures/kong-migrations-3.4.2-to-3.9.3.txt)', () => {
  it('list exits 3 on an empty database, bootstrap, then list/up/list/finish/list match the example', async () => {
    const env = await freshDb();
    const db = env.KONG_PG_DATABASE!;

    const fresh = await kong('3.4.2', env, 'migrations', 'list');
    expect(fresh).toEqual({ exitCode: LIST_EXIT.needsBootstrap, stdout: `${NEEDS_BOOTSTRAP}\n`, stderr: '' });

    const boot = await kong('3.4.2', env, 'migrations', 'bootstrap');
    expect(boot.exitCode).toBe(0);
    expect(boot.stderr).toBe('');
    expect(boot.stdout).toMatch(/^Bootstrapping database\.\.\.\nmigrating core on database 'kong'|^Bootstrapping database\.\.\.\nmigrating core on database 'up_\d+'/);
    expect(boot.stdout).toContain('58 migrations processed\n58 executed\nDatabase is up-to-date\n');

    const upToDate = await kong('3.4.2', env, 'migrations', 'list');
    expect(upToDate.exitCode).toBe(LIST_EXIT.upToDate);
    expect(upToDate.stdout.startsWith('Executed migrations:\n')).toBe(true);
    expect(upToDate.stdout).not.toContain('New migrations');

    const meta0 = await schemaMeta(server, db);
    // bootstrap runs up + teardown: a teardown migration is recorded "pending" then "teardown"
    // (ARRAY_REMOVE), so core's pending is an empty array, not NULL (db/init.lua l.575-604).
    expect(meta0.get('core')).toEqual({
      subsystem: 'core', last_executed: '020_330_to_340', pending: [],
      executed: ['000_base', '003_100_to_110', '004_110_to_120', '005_120_to_130', '006_130_to_140', '007_140_to_150',
        '008_150_to_200', '009_200_to_210', '010_210_to_211', '011_212_to_213', '012_213_to_220', '013_220_to_230',
        '014_230_to_270', '015_270_to_280', '016_280_to_300', '017_300_to_310', '018_310_to_320', '019_320_to_330', '020_330_to_340'],
    });
    expect(meta0.has('opentelemetry')).toBe(false);
    expect(meta0.size).toBe(16);

    const list = await kong('3.9.3', env, 'migrations', 'list');
    expect(list.exitCode).toBe(LIST_EXIT.newMigrations);
    expect(list.stderr).toBe('');
    expect(list.stdout).toBe(section(ex34, 'list on 3.4.2 DB with 3.9.3 code'));

    // The example says "database 'kong'": our database is named differently.
    const asKong = (s: string) => s.replaceAll(`database '${db}'`, "database 'kong'");
    const up = await kong('3.9.3', env, 'migrations', 'up');
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toBe('');
    expect(asKong(up.stdout)).toBe(section(ex34, 'up output'));

    const meta1 = await schemaMeta(server, db);
    // Pending migrations: recorded in `pending`, last_executed not moved (connector.lua record_migration).
    expect(meta1.get('acme')).toMatchObject({ last_executed: '002_320_to_330', pending: ['003_350_to_360'] });
    expect(meta1.get('ai-proxy')).toEqual({ subsystem: 'ai-proxy', last_executed: null, executed: null, pending: ['001_360_to_370'] });
    expect(meta1.get('core')).toMatchObject({ last_executed: '024_380_to_390', pending: [] });
    // Subsystems that never had a teardown migration keep pending NULL; jwt's 003_200_to_210 has
    // one (ws_migrate_plugin), so bootstrap left '{}' (observed on Kong 2.8.5 built here).
    expect(meta1.get('session')?.pending).toBeNull();
    expect(meta1.get('jwt')?.pending).toEqual([]);

    const pending = await kong('3.9.3', env, 'migrations', 'list');
    expect(pending.exitCode).toBe(LIST_EXIT.pending);
    expect(pending.stdout).toBe(section(ex34, 'list after up'));

    const again = await kong('3.9.3', env, 'migrations', 'up');
    expect(again).toEqual({ exitCode: 1, stdout: '', stderr: kongError(PENDING_MIGRATIONS_ERROR) });

    const finish = await kong('3.9.3', env, 'migrations', 'finish');
    expect(finish.exitCode).toBe(0);
    expect(asKong(finish.stdout)).toBe(section(ex34, 'finish output'));

    const meta2 = await schemaMeta(server, db);
    expect(meta2.get('acme')).toMatchObject({ last_executed: '003_350_to_360', pending: [] });
    expect(meta2.get('ai-proxy')).toEqual({ subsystem: 'ai-proxy', last_executed: '001_360_to_370', executed: ['001_360_to_370'], pending: [] });
    expect(meta2.get('core')?.pending).toEqual([]);

    const done = await kong('3.9.3', env, 'migrations', 'list');
    expect(done.exitCode).toBe(LIST_EXIT.upToDate);
    const nothing = await kong('3.9.3', env, 'migrations', 'finish');
    expect(nothing).toEqual({ exitCode: 0, stdout: 'No pending migrations to finish\n', stderr: '' });
    const upNothing = await kong('3.9.3', env, 'migrations', 'up');
    expect(upNothing).toEqual({ exitCode: 0, stdout: 'Database is already up-to-date\n', stderr: '' });
  });

  it('bootstrap on 3.9.3 matches the example; a second bootstrap says already bootstrapped', async () => {
    const env = await freshDb();
    const db = env.KONG_PG_DATABASE!;
    const boot = await kong('3.9.3', { ...env }, 'migrations', 'bootstrap');
    expect(boot.exitCode).toBe(0);
    expect(boot.stdout.replaceAll(`database '${db}'`, "database 'kong'")).toBe(section(ex34, 'bootstrap on 3.9.3'));
    expect(await kong('3.9.3', env, 'migrations', 'bootstrap')).toEqual({ exitCode: 0, stdout: 'Database already bootstrapped\n', stderr: '' });

    // The entity tables exist with the columns schema.mjs says, as real PostgreSQL tables.
    const meta = await schemaMeta(server, db);
    const keys = [...meta.values()].flatMap((r) => (r.executed ?? []).map((m) => `${r.subsystem}:${m}`));
    const expected = tablesAfter(keys, keys);
    const actual = await withClient(server, db, async (c) => (await c.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position")).rows);
    for (const table of expected) {
      expect(actual.filter((r) => r.table_name === table.name).map((r) => r.column_name).sort(), table.name).toEqual([...table.columns].sort());
    }
    const names = new Set(actual.map((r) => r.table_name));
    expect(names.has('cluster_ca')).toBe(false); // dropped by 008_150_to_200
    expect(names.has('vaults_beta')).toBe(false); // dropped by 016_280_to_300's teardown
    expect(names.has('workspaces')).toBe(true);
    const ws = await withClient(server, db, async (c) => (await c.query('SELECT name FROM workspaces')).rows);
    expect(ws).toEqual([{ name: 'default' }]);
  });
});

describe('2.8.5 → 3.4.2 (fixtures/kong-migrations-2.8.5-to-3.4.2.txt, observed on real Kong)', () => {
  it('prints the example verbatim and lists pending + new with a warning (exit 4)', async () => {
    const env = await freshDb();
    const db = env.KONG_PG_DATABASE!;
    const asKong = (s: string) => s.replaceAll(`database '${db}'`, "database 'kong'");
    const boot = await kong('2.8.5', env, 'migrations', 'bootstrap');
    expect(boot.exitCode).toBe(0);
    expect(boot.stdout).toContain('43 migrations processed\n43 executed\nDatabase is up-to-date\n');

    const list = await kong('3.4.2', env, 'migrations', 'list');
    expect(list.exitCode).toBe(LIST_EXIT.newMigrations);
    expect(list.stdout).toBe(section(ex28, 'list on 2.8.5 DB with 3.4.2 code'));

    const up = await kong('3.4.2', env, 'migrations', 'up');
    expect(up.exitCode).toBe(0);
    expect(asKong(up.stdout)).toBe(section(ex28, 'up output'));
    const meta = await schemaMeta(server, db);
    expect(meta.get('core')).toMatchObject({ last_executed: '020_330_to_340', pending: ['016_280_to_300'] });
    expect(meta.get('http-log')).toMatchObject({ last_executed: null, executed: null, pending: ['001_280_to_300'] });
    // Expand/contract: while 016 is pending both the old and the new vault tables exist.
    const tables = await withClient(server, db, async (c) => (await c.query<{ t: string | null; s: string | null }>(
      "SELECT to_regclass('vaults_beta')::text AS t, to_regclass('sm_vaults')::text AS s")).rows[0]);
    expect(tables).toEqual({ t: 'vaults_beta', s: 'sm_vaults' });

    const after = await kong('3.4.2', env, 'migrations', 'list');
    expect(after.exitCode).toBe(LIST_EXIT.pending);
    expect(after.stdout).toBe(section(ex28, 'list after up'));

    // Pending from 2.8.5 → 3.4.2 and new from 3.9.3 at once (kong/cmd/migrations.lua l.126-140).
    const both = await kong('3.9.3', env, 'migrations', 'list');
    expect(both.exitCode).toBe(LIST_EXIT.pending);
    expect(both.stderr).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[warn\] Database has pending migrations from a previous upgrade, and new migrations from this upgrade \(version 3\.9\.3\)\n$/);
    expect(both.stdout).toContain('\nPending migrations:\n         core: 016_280_to_300\n     http-log: 001_280_to_300\npost-function: 001_280_to_300\n pre-function: 001_280_to_300\n\nNew migrations available:\n');
    expect(both.stdout.endsWith("\n\n\nRun 'kong migrations finish' when ready to complete pending migrations (postgres database will be incompatible with the previous Kong version)\n")).toBe(true);

    const finish = await kong('3.4.2', env, 'migrations', 'finish');
    expect(finish.exitCode).toBe(0);
    expect(asKong(finish.stdout)).toBe(section(ex28, 'finish output'));
    expect((await kong('3.4.2', env, 'migrations', 'list')).exitCode).toBe(LIST_EXIT.upToDate);
    expect((await schemaMeta(server, db)).get('core')).toMatchObject({ last_executed: '016_280_to_300', pending: [] });
  });

  it('bootstrap on 3.4.2 matches the example', async () => {
    const env = await freshDb();
    const boot = await kong('3.4.2', env, 'migrations', 'bootstrap');
    expect(boot.stdout.replaceAll(`database '${env.KONG_PG_DATABASE}'`, "database 'kong'")).toBe(section(ex28, 'bootstrap on 3.4.2'));
  });

  it('status prints the state as JSON on 3.x and does not exist on 2.8.5', async () => {
    const env = await freshDb();
    const fresh = await kong('3.9.3', env, 'migrations', 'status');
    expect(fresh.exitCode).toBe(0);
    const s0 = JSON.parse(fresh.stdout) as { needs_bootstrap: boolean; new_migrations: { subsystem: string; migrations: string[] }[] };
    expect(s0.needs_bootstrap).toBe(true);
    expect(s0.new_migrations.flatMap((s) => s.migrations)).toHaveLength(67);
    await kong('3.4.2', env, 'migrations', 'bootstrap');
    const s1 = JSON.parse((await kong('3.9.3', env, 'migrations', 'status')).stdout) as Record<string, unknown>;
    expect(s1.needs_bootstrap).toBe(false);
    expect(s1.pending_migrations).toBeUndefined();
    expect(s1.new_migrations).toContainEqual({ subsystem: 'ai-proxy', namespace: 'kong.plugins.ai-proxy.migrations', migrations: ['001_360_to_370'] });
    const old = await kong('2.8.5', env, 'migrations', 'status');
    expect(old.exitCode).toBe(1);
    expect(old.stderr.startsWith('No such command for migrations: status\n\nUsage: kong migrations COMMAND [OPTIONS]\n')).toBe(true);
  });
});
