// Real `kong migrations` output that people pasted in public issues (test/fixtures/replay/cli,
// each file naming its source), replayed through the bundled migrate action as the runner runs
// it: a `kong` that prints the sample with its exit code (fake-kong.mjs), on real PostgreSQL
// holding the schema_meta rows the sample implies, through the binary runner or, for what Helm's
// Jobs log, the kubernetes runner (kubectl logs: stdout and stderr in one stream). Every sample
// must be classified as Kong meant it or refused naming what was unexpected. Build first.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { actionDefaults, runAction, type ActionRun } from '../helpers/run-action.js';
import { DIST, OTHER_DIST, record } from './record.js';
import { writeDatabaseState, type DatabaseState } from './schema-meta.mjs';

const SAMPLES = path.join(REPO_ROOT, 'test/fixtures/replay/cli');
const FAKE_KONG = path.join(REPO_ROOT, 'test/replay/fake-kong.mjs');
const KUBECTL = path.join(REPO_ROOT, 'test/kong/fakes/kubectl');

interface Expectation {
  readonly exit: number;
  /** null: refused before any Kong command ran, which the action reports without outputs. */
  readonly outcome: string | null;
  readonly stateBefore?: string;
  readonly stateAfter?: string;
  /** Substrings the error annotation must hold. */
  readonly error?: readonly string[];
  /** Substrings it must not hold (Kong's file positions, its traceback). */
  readonly errorNot?: readonly string[];
  readonly executed?: { readonly count: number; readonly includes: readonly string[] };
}

interface CliSample {
  readonly source: string;
  readonly kong: string;
  readonly runner?: 'binary' | 'kubernetes';
  readonly command: string;
  readonly database: DatabaseState;
  readonly expect: Expectation;
}

const samples = readdirSync(SAMPLES).filter((file) => file.endsWith('.yaml')).sort();
let server: PostgresServer;
let work: string;

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'cli-replay-'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function prepareDatabase(name: string, state: DatabaseState): Promise<void> {
  await server.createDatabase(name);
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: name });
  await client.connect();
  try {
    await writeDatabaseState(client, state);
  } finally {
    await client.end();
  }
}

async function replay(file: string, sample: CliSample, index: number): Promise<ActionRun> {
  const database = `replay_${index}`;
  await prepareDatabase(database, sample.database);
  const dir = path.join(work, String(index));
  const state = path.join(dir, 'state');
  mkdirSync(state, { recursive: true });
  const sampleFile = path.join(SAMPLES, file);
  const url = `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}?sslmode=disable`;
  const inputs: Record<string, string> = {
    command: sample.command,
    'database-url': url,
    'kong-version': sample.kong,
    plugins: 'bundled',
    'allow-without-backup': 'true',
    'allow-finish-without-smoke-report': 'true',
  };
  const env: Record<string, string> = {};
  if (sample.runner === 'kubernetes') {
    Object.assign(inputs, { runner: 'kubernetes', kubectl: KUBECTL, 'kubernetes-namespace': 'kong', 'kubernetes-password-secret': 'kong-postgres/password' });
    Object.assign(env, {
      FAKE_K8S_STATE: path.join(dir, 'k8s'),
      FAKE_K8S_SECRETS: JSON.stringify({ 'kong-postgres/password': server.password }),
      FAKE_KONG_ARGV: JSON.stringify([FAKE_KONG, sampleFile, state]),
    });
  } else {
    const kong = path.join(dir, `kong-${sample.kong}`);
    writeFileSync(kong, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_KONG}" "${sampleFile}" "${state}" "$@"\n`);
    chmodSync(kong, 0o755);
    Object.assign(inputs, { runner: 'binary', 'kong-path': path.join(dir, 'kong-{version}') });
  }
  return runAction('migrate', OTHER_DIST ? { ...actionDefaults('migrate'), ...inputs } : inputs, {
    env,
    ...(OTHER_DIST && { entry: path.join(DIST, 'migrate/index.js') }),
  });
}

function kind(json: string | undefined): string | undefined {
  if (json === undefined || json === '') return undefined;
  return (JSON.parse(json) as { kind?: string }).kind;
}

describe('real kong migrations output, replayed through dist/migrate', () => {
  it.each(samples.map((file, index) => [file, index] as const))('%s', async (file, index) => {
    const sample = parse(readFileSync(path.join(SAMPLES, file), 'utf8')) as CliSample;
    const run = await replay(file, sample, index);
    const error = run.annotations.filter((a) => a.level === 'error').map((a) => a.message).join('\n');
    const executed = run.outputs.executed === undefined || run.outputs.executed === '' ? [] : (JSON.parse(run.outputs.executed) as { subsystem: string; name: string }[]);
    const seen = {
      exit: run.exitCode,
      outcome: run.outputs.outcome,
      stateBefore: kind(run.outputs['state-before']),
      stateAfter: kind(run.outputs['state-after']),
      error,
      executed: executed.length,
    };
    record({ kind: 'cli', sample: file, source: sample.source, ...seen });
    const want = sample.expect;
    expect(seen.exit, `${run.stdout}\n${run.stderr}`).toBe(want.exit);
    expect(seen.outcome ?? null).toBe(want.outcome);
    if (want.stateBefore !== undefined) expect(seen.stateBefore).toBe(want.stateBefore);
    if (want.stateAfter !== undefined) expect(seen.stateAfter).toBe(want.stateAfter);
    for (const text of want.error ?? []) expect(error).toContain(text);
    for (const text of want.errorNot ?? []) expect(error).not.toContain(text);
    if (want.exit === 0) expect(error).toBe('');
    if (want.executed !== undefined) {
      expect(executed).toHaveLength(want.executed.count);
      for (const name of want.executed.includes) expect(executed.map((m) => `${m.subsystem}/${m.name}`)).toContain(name);
    }
    // Nothing is passed off as a state: a state output is one of the contract's kinds.
    for (const state of [seen.stateBefore, seen.stateAfter]) {
      if (state !== undefined) expect(['needs-bootstrap', 'up-to-date', 'new', 'pending', 'pending-and-new']).toContain(state);
    }
  }, 60_000);
});
