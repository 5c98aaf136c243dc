// The simulated `kong` against what real Kong printed here (test/fixtures/observed/, each file
// citing how it was run and the Kong and pgmoon source of every string): a wrong password on a
// SCRAM server, pg_ssl on against a server without TLS, a missing prefix, --v, a statement
// timeout, `kong health -p` with KONG_PREFIX set, and the pre-2.4 order of plugin subsystems.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { pgEnv, runKong } from './helpers.js';

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/observed');

interface Section {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** `=== <name> (exit N)` sections: a `# what was run` line, stdout, `--- stderr`, stderr. */
function sections(file: string): Map<string, Section> {
  const text = readFileSync(path.join(FIXTURES, file), 'utf8');
  const out = new Map<string, Section>();
  for (const part of text.split(/^=== /m).slice(1)) {
    const [head, ...rest] = part.split('\n');
    const match = /^(\S+)(?: \(exit (\d+)\))?/.exec(head!)!;
    const body = rest.filter((line, i) => !(i === 0 && line.startsWith('# '))).join('\n');
    const [stdout, stderr = ''] = body.split(/^--- stderr\n/m);
    out.set(match[1]!, { exitCode: match[2] === undefined ? undefined : Number(match[2]), stdout: stdout!, stderr });
  }
  return out;
}

const cli = new Map([...sections('kong-2.8.5-cli.txt'), ...sections('kong-3.4.2-cli.txt')]);
const observed = (name: string, values: Record<string, string> = {}): Section => {
  const section = cli.get(name);
  if (!section) throw new Error(`no section ${name} in test/fixtures/observed/kong-*-cli.txt`);
  const fill = (text: string) => Object.entries(values).reduce((t, [key, value]) => t.replaceAll(`<${key}>`, value), text);
  return { exitCode: section.exitCode, stdout: fill(section.stdout), stderr: fill(section.stderr) };
};
/** log.lua's timestamp, as the fixtures write it. */
const untimed = (text: string) => text.replace(/\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/g, '<TIME>');

let server: PostgresServer;
let dir: string;
let dbs = 0;

beforeAll(async () => {
  server = await startPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'kong-sim-observed-'));
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freshDb(): Promise<Record<string, string>> {
  const name = `observed_${++dbs}`;
  await server.createDatabase(name);
  return pgEnv(server, name);
}

describe('kong migrations against the database, as Kong 2.8.5 built here did', () => {
  it('a wrong password on a SCRAM server: authentication exchange unsuccessful', async () => {
    const env = { ...(await freshDb()), KONG_SIM_VERSION: '2.8.5', KONG_PG_PASSWORD: 'wrong' };
    const r = await runKong(['migrations', 'list'], env);
    const want = observed('285-wrongpw');
    expect(r).toEqual({ exitCode: want.exitCode, stdout: want.stdout, stderr: want.stderr });
  });

  it('pg_ssl = on against a server without TLS: plaintext, and the command works', async () => {
    const env = await freshDb();
    const want = observed('285-ssl-on');
    for (const ssl of [{ KONG_PG_SSL: 'on' }, { KONG_PG_SSL: 'on', KONG_PG_SSL_VERIFY: 'on' }]) {
      const r = await runKong(['migrations', 'list'], { ...env, ...ssl, KONG_SIM_VERSION: '2.8.5' });
      expect(r).toEqual({ exitCode: want.exitCode, stdout: want.stdout, stderr: want.stderr });
    }
  });

  it('a statement timeout: receive_message: failed to get type: timeout', async () => {
    const env: Record<string, string> = { ...(await freshDb()), KONG_SIM_VERSION: '2.8.5' };
    expect((await runKong(['migrations', 'bootstrap'], env)).exitCode).toBe(0);
    const locker = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: env.KONG_PG_DATABASE });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE schema_meta IN ACCESS EXCLUSIVE MODE');
      const r = await runKong(['migrations', 'list', '--db-timeout', '1'], env);
      const want = observed('285-timeout');
      expect(r).toEqual({ exitCode: want.exitCode, stdout: want.stdout, stderr: want.stderr });
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
  });
});

describe('the prefix', () => {
  it('2.8.5 says it creates a missing prefix first, makes it, and says nothing the next time', async () => {
    const env = await freshDb();
    const prefix = path.join(dir, 'fresh-285');
    const first = await runKong(['migrations', 'list'], { ...env, KONG_SIM_VERSION: '2.8.5', KONG_PREFIX: prefix });
    const want = observed('285-fresh-prefix', { PREFIX: prefix });
    expect(first).toEqual({ exitCode: want.exitCode, stdout: want.stdout, stderr: want.stderr });
    const again = await runKong(['migrations', 'list'], { ...env, KONG_SIM_VERSION: '2.8.5', KONG_PREFIX: prefix });
    expect(again.stdout).toBe(observed('285-ssl-on').stdout);
    expect(readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')).toBe('');
  });

  it('3.4.2 prints it last (bin/kong prepares the prefix in a resty process of its own, flushed at exit); --v generates the certificates in the command', async () => {
    const env = { ...(await freshDb()), KONG_SIM_VERSION: '2.8.5' };
    expect((await runKong(['migrations', 'bootstrap'], env)).exitCode).toBe(0);
    const fresh = path.join(dir, 'fresh-342');
    expect(await runKong(['migrations', 'list'], { ...env, KONG_SIM_VERSION: '3.4.2', KONG_PREFIX: fresh })).toEqual(observed('342-fresh', { PREFIX: fresh }));
    const verbose = path.join(dir, 'verbose-342');
    for (const name of ['342-v-fresh', '342-v']) {
      const r = await runKong(['migrations', 'list', '--v'], { ...env, KONG_SIM_VERSION: '3.4.2', KONG_PREFIX: verbose });
      expect({ ...r, stdout: untimed(r.stdout) }).toEqual(observed(name, { PREFIX: verbose }));
    }
  });

  it('--v: the conf_loader and prefix_handler lines, certificates generated then found', async () => {
    const env = await freshDb();
    const prefix = path.join(dir, 'verbose-285');
    const fresh = await runKong(['migrations', 'list', '--v'], { ...env, KONG_SIM_VERSION: '2.8.5', KONG_PREFIX: prefix });
    expect({ ...fresh, stdout: untimed(fresh.stdout) }).toEqual({ ...observed('285-v-fresh', { PREFIX: prefix }), exitCode: 3 });
    const again = await runKong(['migrations', 'list', '--v'], { ...env, KONG_SIM_VERSION: '2.8.5', KONG_PREFIX: prefix });
    expect({ ...again, stdout: untimed(again.stdout) }).toEqual({ ...observed('285-v', { PREFIX: prefix }), exitCode: 3 });
  });
});

describe('kong health -p', () => {
  /** A prefix as `kong start` leaves it: .kong_env naming it, and a live pid (this process). */
  function runningNode(name: string): string {
    const prefix = path.join(dir, name);
    mkdirSync(path.join(prefix, 'pids'), { recursive: true });
    writeFileSync(path.join(prefix, '.kong_env'), `prefix = ${prefix}\n`);
    writeFileSync(path.join(prefix, 'pids', 'nginx.pid'), `${process.pid}\n`);
    return prefix;
  }

  it('finds the node at -p', async () => {
    const prefix = runningNode('node-a');
    const r = await runKong(['health', '-p', prefix], { KONG_SIM_VERSION: '2.8.5', KONG_PREFIX: prefix });
    expect(r).toEqual(observed('285-health-p', { PREFIX: prefix }));
  });

  it('looks for the pid under KONG_PREFIX when it differs from -p (the node .kong_env loses to the environment)', async () => {
    const prefix = runningNode('node-b');
    const other = path.join(dir, 'other');
    mkdirSync(other, { recursive: true });
    const r = await runKong(['health', '-p', prefix], { KONG_SIM_VERSION: '2.8.5', KONG_PREFIX: other });
    expect(r).toEqual(observed('285-health-p-envprefix', { PREFIX: prefix, OTHER: other }));
  });

  it('names a prefix that does not exist', async () => {
    const missing = path.join(dir, 'nope');
    const r = await runKong(['health', '-p', missing], { KONG_SIM_VERSION: '2.8.5' });
    expect(r).toEqual(observed('285-health-p-missing', { PREFIX: missing }));
  });
});

describe('plugin subsystems before 2.4', () => {
  it('come in the hash order Kong 2.3.3 walked them in, not sorted', async () => {
    const text = readFileSync(path.join(FIXTURES, 'kong-2.3.3-bootstrap.txt'), 'utf8');
    const migrating = (out: string) => [...out.matchAll(/^migrating (\S+) on database/gm)].map((m) => m[1]);
    const real = migrating(text);
    expect(real).not.toEqual([...real].sort());
    const r = await runKong(['migrations', 'bootstrap'], { ...(await freshDb()), KONG_SIM_VERSION: '2.3.3' });
    expect(r.exitCode).toBe(0);
    // The session plugin, a separate rock in 2.3.3 and absent from the real run, comes last.
    expect(migrating(r.stdout)).toEqual([...real, 'session']);
  });
});
