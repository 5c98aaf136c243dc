import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { PostgresServer } from '../helpers/postgres.js';
// @ts-ignore -- plain .mjs module without type declarations
import { createKongSchema } from './seed/schema.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A new database `name` on `server` holding Kong `version`'s tables (seed/schema.mjs; `enterprise`
 * adds Enterprise's), returned as its URL.
 */
export async function createSimDatabase(server: PostgresServer, name: string, version: string, enterprise = false): Promise<string> {
  await server.createDatabase(name);
  const url = server.url.replace(/\/[^/]+$/, `/${name}`);
  const client = new pg.Client(url);
  await client.connect();
  try {
    await createKongSchema(client, { version, enterprise });
  } finally {
    await client.end();
  }
  return url;
}
/** Directory to put on PATH so that `kong` is the simulator. */
export const KONG_SIM_BIN = path.join(here, 'bin');
export const KONG = path.join(KONG_SIM_BIN, 'kong');

/**
 * A prefix that exists, for runs that name none: Kong prints "prefix directory … not found" when
 * its prefix is missing (the simulator too), which would make the first run on a machine differ.
 */
let existingPrefix: string | undefined;

export interface KongResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the simulated `kong` with `args` and `env` on top of a clean environment (no inherited
 * KONG_* variables), returning its exit code and output. `input` is written to stdin.
 */
export function runKong(args: readonly string[], env: Record<string, string | undefined> = {}, input?: string): Promise<KongResult> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('KONG_')) base[k] = v;
  existingPrefix ??= mkdtempSync(path.join(os.tmpdir(), 'kong-sim-prefix-'));
  const merged: Record<string, string> = { ...base, PATH: `${KONG_SIM_BIN}:${process.env.PATH ?? ''}`, KONG_PREFIX: existingPrefix };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return new Promise((resolve, reject) => {
    const child = execFile(KONG, [...args], { env: merged, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (code === null) {
        reject(new Error(`kong ${args.join(' ')} did not exit normally: ${String(error)}\n${stderr}`));
        return;
      }
      resolve({ exitCode: code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** KONG_PG_* variables pointing the simulator at `database` on `server`. */
export function pgEnv(server: PostgresServer, database: string): Record<string, string> {
  return {
    KONG_PG_HOST: server.host,
    KONG_PG_PORT: String(server.port),
    KONG_PG_USER: server.user,
    KONG_PG_PASSWORD: server.password,
    KONG_PG_DATABASE: database,
  };
}

export async function withClient<T>(server: PostgresServer, database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface SchemaMetaRow {
  subsystem: string;
  last_executed: string | null;
  executed: string[] | null;
  pending: string[] | null;
}

/** The schema_meta rows, by subsystem, exactly as stored. */
export async function schemaMeta(server: PostgresServer, database: string): Promise<Map<string, SchemaMetaRow>> {
  return withClient(server, database, async (client) => {
    const res = await client.query<SchemaMetaRow>("SELECT subsystem, last_executed, executed, pending FROM schema_meta WHERE key = 'schema_meta'");
    return new Map(res.rows.map((r) => [r.subsystem, r]));
  });
}

/**
 * Inserts a live `migrations` lock as another Kong node would (connector.lua insert_lock: ttl =
 * now + ttlSeconds). Returns the owner id.
 */
export async function holdMigrationsLock(server: PostgresServer, database: string, ttlSeconds: number, owner = 'other-node'): Promise<string> {
  await withClient(server, database, (client) => client.query(
    "INSERT INTO locks (key, owner, ttl) VALUES ('migrations', $1, TO_TIMESTAMP($2) AT TIME ZONE 'UTC')",
    [owner, (Date.now() / 1000 + ttlSeconds).toFixed(3)]));
  return owner;
}

export async function locks(server: PostgresServer, database: string): Promise<{ key: string; owner: string }[]> {
  return withClient(server, database, async (client) => (await client.query<{ key: string; owner: string }>('SELECT key, owner FROM locks')).rows);
}

/** Sections of an example file of test/fixtures: "=== title" → lines up to the next title (a header before the first is skipped). */
export function exampleSections(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  const sections = new Map<string, string>();
  let title: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (title !== undefined) sections.set(title, `${lines.join('\n').replace(/\n+$/, '')}\n`);
  };
  for (const line of text.split('\n')) {
    const m = /^=== (.*)$/.exec(line);
    if (m) {
      flush();
      title = m[1];
      lines = [];
    } else {
      lines.push(line);
    }
  }
  flush();
  return sections;
}
