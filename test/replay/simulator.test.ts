// The simulator held against the replayed samples where it differed from them: a simulated
// Enterprise 2.8 bootstrap leaves the schema_meta rows of the real Enterprise 2.8 database
// (test/fixtures/replay/cli/kong-ee-2.8.1.1-list-up-to-date.yaml, from a public pg_dump), a
// simulated Enterprise 3.2 bootstrap prints the pasted lines of the real one
// (kong-ee-3.2.1.0-bootstrap.yaml), Kong 1.0/1.1's list is in its lower-case form
// (kong-1.1.0-list-new-lowercase.yaml), and the product reads what the simulator prints.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseMigrationsList, reconcileState } from '../../src/kong/migration-state.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong, schemaMeta } from '../kong-sim/helpers.js';

interface Sample {
  readonly database: Record<string, { executed: string[]; pending?: string[] | null }>;
  readonly kong_output: { bootstrap?: { stdout: string }[] };
}
const sample = (name: string) => parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/replay/cli', name), 'utf8')) as Sample;

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('simulated Kong Enterprise migrations', () => {
  it('an Enterprise 2.8 bootstrap leaves the rows of the real Enterprise 2.8 database', async () => {
    await server.createDatabase('ee28');
    const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'ee28'), KONG_SIM_VERSION: '2.8.1.1' });
    expect(boot.exitCode, boot.stderr).toBe(0);
    const rows = await schemaMeta(server, 'ee28');
    const real = sample('kong-ee-2.8.1.1-list-up-to-date.yaml').database;
    expect([...rows.keys()].sort()).toEqual(Object.keys(real).sort());
    for (const [subsystem, row] of Object.entries(real)) {
      expect(rows.get(subsystem)?.executed, subsystem).toEqual(row.executed);
      // The one known difference: which `enterprise` migration has a teardown is not public,
      // so the simulator leaves its pending NULL where the real database has '{}'.
      if (subsystem !== 'enterprise') expect(rows.get(subsystem)?.pending, subsystem).toEqual(row.pending === undefined ? [] : row.pending);
    }
    expect(rows.get('enterprise')?.pending).toBeNull();

    // What the product reads from the simulated Enterprise list: up to date, every subsystem.
    const list = await runKong(['migrations', 'list'], { ...pgEnv(server, 'ee28'), KONG_SIM_VERSION: '2.8.1.1' });
    expect(list.stdout).toMatch(/^enterprise\.response-transformer-advanced: 001_1500_to_2100$/m);
    expect(list.stdout).toMatch(/^ {36}core: 000_base, /m);
    const parsed = parseMigrationsList(list);
    const reading = reconcileState(parsed, [...rows.values()].map((r) => ({ subsystem: r.subsystem, lastExecuted: r.last_executed, executed: r.executed ?? [], pending: r.pending ?? [] })));
    expect(reading.state.kind).toBe('up-to-date');
    expect(Object.keys(reading.state.executed)).toHaveLength(33);
  });

  it('an Enterprise 3.2 bootstrap prints the pasted core, enterprise and enterprise.<plugin> lines', async () => {
    await server.createDatabase('ee32');
    const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'ee32'), KONG_SIM_VERSION: '3.2.1.0' });
    expect(boot.exitCode, boot.stderr).toBe(0);
    const pasted = sample('kong-ee-3.2.1.0-bootstrap.yaml').kong_output.bootstrap![0]!.stdout;
    const linesOf = (text: string, subsystem: string) => text.split('\n').filter((line) => line.startsWith(`${subsystem} migrated up to: `)).map((line) => line.replace(/'[^']*'/, "'kong'"));
    for (const subsystem of ['core', 'enterprise', 'enterprise.acl', 'enterprise.basic-auth', 'enterprise.hmac-auth', 'enterprise.jwt', 'hmac-auth']) {
      expect(linesOf(boot.stdout, subsystem), subsystem).toEqual(linesOf(pasted, subsystem));
    }
    expect(boot.stdout).toContain("migrating enterprise.acl on database 'ee32'...");
  });

  it('an Enterprise 2.8 → 3.4 up runs the Enterprise core line and the enterprise subsystem to 018_3300_to_3400', async () => {
    await server.createDatabase('ee34');
    expect((await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'ee34'), KONG_SIM_VERSION: '2.8.1.1' })).exitCode).toBe(0);
    const list = await runKong(['migrations', 'list'], { ...pgEnv(server, 'ee34'), KONG_SIM_VERSION: '3.4.3.5' });
    expect(list.exitCode).toBe(5);
    const parsed = parseMigrationsList(list);
    expect(parsed.new.enterprise).toEqual(['014_2800_to_3000', '015_3000_to_3100', '016_3100_to_3200', '017_3200_to_3300', '018_3300_to_3400']);
    expect(parsed.new.core?.[0]).toBe('016_280_to_300');
  });
});

describe('simulated Kong 1.0/1.1 list', () => {
  it('prints lower-case, unaligned blocks and print_state\'s words, which the product reads', async () => {
    await server.createDatabase('k11');
    const env = { ...pgEnv(server, 'k11') };
    const boot = await runKong(['migrations', 'bootstrap'], { ...env, KONG_SIM_VERSION: '1.0.3' });
    expect(boot.exitCode, boot.stderr).toBe(0);
    expect(boot.stdout).toMatch(/^bootstrapping database\.\.\.$/m);
    const list = await runKong(['migrations', 'list'], { ...env, KONG_SIM_VERSION: '1.1.2' });
    expect(list.exitCode).toBe(5);
    const replayed = parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/replay/cli/kong-1.1.0-list-new-lowercase.yaml'), 'utf8')) as { kong_output: { list: { stdout: string }[] } };
    const shape = (text: string) => text.split('\n').map((line) => line.replace(/: .*$/, ': …'));
    // The same lines as the replayed 1.1 sample, subsystem for subsystem where both have one.
    expect(shape(list.stdout)[0]).toBe(shape(replayed.kong_output.list[0]!.stdout)[0]);
    expect(list.stdout).toMatch(/^core: 000_base, 001_14_to_15, 002_15_to_1$/m);
    expect(list.stdout).toMatch(/^database has new migrations available:\ncore: 003_100_to_110/m);
    expect(list.stdout).toMatch(/^run 'kong migrations up' to proceed$/m);
    expect(parseMigrationsList(list).new.core).toEqual(['003_100_to_110']);
    const up = await runKong(['migrations', 'up'], { ...env, KONG_SIM_VERSION: '1.1.2' });
    expect(up.exitCode, up.stderr).toBe(0);
    const after = await runKong(['migrations', 'list'], { ...env, KONG_SIM_VERSION: '1.1.2' });
    expect(after.stdout).toMatch(/\ndatabase is up-to-date\n$/);
    expect(parseMigrationsList(after).executed.core).toContain('003_100_to_110');
  });
});
