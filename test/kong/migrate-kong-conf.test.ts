// actions/migrate reading its database connection from a kong.conf (pg_* settings) when no
// database-url / pg-* input is given. The action's entry (src/actions/migrate/main.ts) runs
// in-process from source, the way the runner would run the bundle: inputs as INPUT_<NAME>
// variables with action.yml's defaults, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, and stdout
// parsed for workflow commands (masks, annotations) with test/helpers/run-action.ts's parsers.
// Kong is a recording wrapper around the simulator; PostgreSQL is real, and the role the conf
// names has its password only in the conf file.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { actionDefaults, inputVariable, parseAnnotations, parseFileCommand, parseMasks, type Annotation } from '../helpers/run-action.js';
import { KONG, pgEnv, runKong } from '../kong-sim/helpers.js';
import { sql } from './fixtures.js';

let server: PostgresServer;
let work: string;
let kongLog: string;
let kongPath: string;

/** A role of its own, its password with a `#` that kong.conf must escape as `\#` (conf_loader strip_comments). */
const ROLE = 'kong_conf_role';
const PASSWORD = `Conf#Pa55-${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'migrate-kong-conf-'));
  await server.createDatabase('kong');
  // Bootstrapped by 2.8.5: Kong 3.4.2 sees it as `new` (exit 5 of `kong migrations list`).
  const boot = await runKong(['migrations', 'bootstrap'], { ...pgEnv(server, 'kong'), KONG_SIM_VERSION: '2.8.5' });
  expect(boot.exitCode, boot.stderr).toBe(0);
  await sql(server, 'postgres', `CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);

  // `kong` that records its argv and the KONG_PG_* it got (the password only as present or
  // not), then runs the simulator as Kong 3.4.2.
  kongLog = path.join(work, 'kong.log');
  kongPath = path.join(work, 'kong');
  writeFileSync(
    kongPath,
    `#!${process.execPath}
import { appendFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const env = {};
for (const k of ['KONG_PG_HOST', 'KONG_PG_PORT', 'KONG_PG_USER', 'KONG_PG_DATABASE', 'KONG_PG_SSL']) env[k] = process.env[k];
appendFileSync(${JSON.stringify(kongLog)}, JSON.stringify({ argv: process.argv.slice(2), env, password: process.env.KONG_PG_PASSWORD === undefined ? 'unset' : 'set' }) + '\\n');
const run = spawnSync(process.execPath, [${JSON.stringify(KONG)}, ...process.argv.slice(2)], { env: { ...process.env, KONG_SIM_VERSION: '3.4.2' }, stdio: 'inherit' });
process.exit(run.status ?? 1);
`,
  );
  chmodSync(kongPath, 0o755);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface SourceRun {
  readonly exitCode: number;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly annotations: Annotation[];
  readonly masked: string[];
  readonly stdout: string;
  readonly kongCalls: { argv: string[]; env: Record<string, string | undefined>; password: 'set' | 'unset' }[];
}

/**
 * Runs src/actions/migrate/main.ts once: its top-level `runAction` reads the inputs from the
 * environment, writes outputs and the summary to the file-command files and workflow commands
 * to stdout, and sets process.exitCode through core.setFailed.
 */
async function runMigrate(inputs: Readonly<Record<string, string>>): Promise<SourceRun> {
  // @actions/core keeps the summary file's path after its first write: one path for the file.
  const files = { GITHUB_OUTPUT: path.join(work, 'output'), GITHUB_STEP_SUMMARY: path.join(work, 'summary') };
  for (const file of [...Object.values(files), kongLog]) writeFileSync(file, '');
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (/^(INPUT_|GITHUB_|RUNNER_|STATE_|PG)/.test(key)) delete process.env[key];
  Object.assign(process.env, files, { GITHUB_ACTIONS: 'true' });
  for (const [input, value] of Object.entries({ ...actionDefaults('migrate'), ...inputs })) process.env[inputVariable(input)] = value;
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  let exitCode: number;
  try {
    vi.resetModules();
    await import('../../src/actions/migrate/main.js');
  } finally {
    write.mockRestore();
    exitCode = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  const log = readFileSync(kongLog, 'utf8').trim();
  return {
    exitCode,
    outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    annotations: parseAnnotations(stdout),
    masked: parseMasks(stdout),
    stdout,
    kongCalls: log === '' ? [] : log.split('\n').map((line) => JSON.parse(line)),
  };
}

/** The password nowhere but in ::add-mask::, and never in a Kong argv. */
function expectNoSecret(run: SourceRun, secret: string): void {
  const stdout = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
  for (const [where, text] of Object.entries({ stdout, summary: run.summary, outputs: JSON.stringify(run.outputs) })) {
    expect(text.includes(secret), `${where} shows the password`).toBe(false);
  }
  for (const call of run.kongCalls) expect(call.argv.join(' ')).not.toContain(secret);
}

function writeConf(name: string, lines: readonly string[]): string {
  const file = path.join(work, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The pg_* settings of kong.conf.default (facts §5), pointing at the test server as ROLE. */
function confLines(overrides: Readonly<Record<string, string>> = {}): string[] {
  const settings: Record<string, string> = {
    database: 'postgres',
    pg_host: server.host,
    pg_port: String(server.port),
    pg_user: ROLE,
    // An escaped `#` and an inline comment: Kong reads the value as PASSWORD.
    pg_password: `${PASSWORD.replace('#', '\\#')}    # from the vault`,
    pg_database: 'kong',
    pg_ssl: 'off',
    ...overrides,
  };
  return ['# kong.conf of the runtime nodes', ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`)];
}

const COMMON = { command: 'list', runner: 'binary', 'kong-version': '3.4.2', plugins: 'bundled' };

describe('actions/migrate: the connection from kong-conf', () => {
  it('connects with the conf\'s pg_* settings, masks its password, and hands Kong the same settings by environment plus -c', async () => {
    const conf = writeConf('kong.conf', confLines());
    const run = await runMigrate({ ...COMMON, 'kong-path': kongPath, 'kong-conf': conf });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.masked).toContain(PASSWORD);
    expect(JSON.parse(run.outputs['state-before']!)).toMatchObject({ schema: 'kong-upgrade/migration-state@1', kind: 'new' });
    expect(run.outputs.outcome).toBe('succeeded');
    expect(run.summary).toMatch(/\| Before \| new \(15 new/);
    expect(run.kongCalls.length).toBeGreaterThan(0);
    for (const call of run.kongCalls) {
      expect(call.argv.slice(-2)).toEqual(['-c', conf]);
      expect(call.env).toEqual({ KONG_PG_HOST: server.host, KONG_PG_PORT: String(server.port), KONG_PG_USER: ROLE, KONG_PG_DATABASE: 'kong', KONG_PG_SSL: 'off' });
      expect(call.password).toBe('set');
    }
    expectNoSecret(run, PASSWORD);
  });

  it('maps pg_ssl / pg_ssl_verify and Kong\'s defaults for pg_user and pg_database (render: nothing connects)', async () => {
    const conf = writeConf('tls.conf', [
      'pg_host = db.internal',
      'pg_port = 6543',
      `pg_password = ${PASSWORD.replace('#', '\\#')}`,
      // kong/conf_loader parse_value: "on" or "true" is true (facts §5).
      'pg_ssl = true',
      'pg_ssl_verify = on',
    ]);
    const run = await runMigrate({ ...COMMON, command: 'up', render: 'true', 'kong-path': '/opt/kong/bin/kong', 'kong-conf': conf });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.outcome).toBe('rendered');
    expect(run.masked).toContain(PASSWORD);
    const rendered = run.stdout.slice(run.stdout.indexOf('# kong migrations up'));
    for (const line of [
      'export KONG_PG_HOST=db.internal',
      'export KONG_PG_PORT=6543',
      // Kong's defaults (kong_defaults.lua: pg_user = kong, pg_database = kong).
      'export KONG_PG_USER=kong',
      'export KONG_PG_DATABASE=kong',
      'export KONG_PG_SSL=on',
      'export KONG_PG_SSL_VERIFY=on',
      'export KONG_PG_PASSWORD  # set it from your secret store; it is never put on a command line',
      `/opt/kong/bin/kong migrations up --db-timeout 60 --lock-timeout 60 -c ${conf}`,
    ]) expect(rendered.split('\n')).toContain(line);
    expect(run.kongCalls).toEqual([]);
    expectNoSecret(run, PASSWORD);
  });

  it('a kong.conf without pg_host and no database input: the error names database-url, and nothing runs', async () => {
    const conf = writeConf('no-host.conf', confLines().filter((line) => !line.startsWith('pg_host')));
    const run = await runMigrate({ ...COMMON, 'kong-path': kongPath, 'kong-conf': conf });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      "input 'database-url': is required (or the pg-* inputs, or a kong-conf with pg_host): the action reads schema_meta itself",
    ]);
    expect(run.kongCalls).toEqual([]);
    expect(run.outputs).toEqual({});
  });

  it('database inputs win over the conf as a whole: its pg_* are not read, Kong still gets -c and the inputs by environment', async () => {
    // The conf points at a closed port with a wrong password: used anywhere, the run fails.
    const conf = writeConf('stale.conf', confLines({ pg_port: String(await freePort()), pg_password: 'not-the-password', pg_user: 'nobody' }));
    const url = `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/kong?sslmode=disable`;
    const run = await runMigrate({ ...COMMON, 'kong-path': kongPath, 'kong-conf': conf, 'database-url': url });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs['state-before']!).kind).toBe('new');
    expect(run.masked).toContain(server.password);
    for (const call of run.kongCalls) {
      expect(call.argv.slice(-2)).toEqual(['-c', conf]);
      // KONG_* env beats the conf file in Kong (defaults < conf file < env, facts §5).
      expect(call.env).toMatchObject({ KONG_PG_PORT: String(server.port), KONG_PG_USER: server.user });
      expect(call.password).toBe('set');
    }
    expectNoSecret(run, server.password);

    // No merging: a pg-password input alone (the password kept out of the conf) does not
    // complete the conf's host; the pg-* inputs are all-or-nothing.
    const partial = await runMigrate({ ...COMMON, 'kong-path': kongPath, 'kong-conf': writeConf('no-password.conf', confLines().filter((l) => !l.startsWith('pg_password'))), 'pg-password': PASSWORD });
    expect(partial.exitCode).toBe(1);
    expect(partial.annotations.find((a) => a.level === 'error')?.message).toBe("input 'pg-host': is required when pg-password is set");
    expect(partial.kongCalls).toEqual([]);
    expectNoSecret(partial, PASSWORD);
  });

  it('a wrong pg_password in the conf: the login failure names kong-conf, not a pg-* input that was never given', async () => {
    const wrong = 'Wrong#Pa55-in-conf';
    const conf = writeConf('wrong-password.conf', confLines({ pg_password: wrong.replace('#', '\\#') }));
    // check runs `kong check`, then `list` (its failure is a check result), then connects itself.
    const run = await runMigrate({ ...COMMON, command: 'check', 'kong-path': kongPath, 'kong-conf': conf });
    expect(run.exitCode).toBe(1);
    expect(run.masked).toContain(wrong);
    const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toMatch(new RegExp(`^input 'kong-conf': PostgreSQL refused the login of ${ROLE}@127\\.0\\.0\\.1:${server.port}/kong \\(password authentication failed for user "${ROLE}"\\)`));
    expect(run.kongCalls.map((c) => c.argv.slice(0, 2).join(' '))).toEqual([`check ${conf}`, 'migrations list']);
    expectNoSecret(run, wrong);
  });

  it('runner kubernetes refuses kong-conf, naming it, before any kubectl call', async () => {
    const log = path.join(work, 'kubectl.log');
    rmSync(log, { force: true });
    const conf = writeConf('k8s.conf', confLines());
    process.env.FAKE_LOG = log;
    let run: SourceRun;
    try {
      run = await runMigrate({ ...COMMON, runner: 'kubernetes', 'kong-conf': conf, 'kubernetes-password-secret': 'kong-postgres/password', kubectl: path.join(path.dirname(new URL(import.meta.url).pathname), 'fakes', 'kubectl') });
    } finally {
      delete process.env.FAKE_LOG;
    }
    expect(run.exitCode).toBe(1);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(/^input 'kong-conf': is not supported with runner: kubernetes; give the settings as inputs/);
    expect(() => readFileSync(log)).toThrow();
    expectNoSecret(run, PASSWORD);
  });
});

