import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { parseFileCommand, runAction, type ActionRun } from '../helpers/run-action.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { withClient } from '../kong-sim/helpers.js';
import { createKongDatabase } from './kong-db.js';

// backup-db (the bundle, dist/backup-db, as the runner runs it) with object storage: backup →
// bucket → verify → restore, and a backup killed halfway through its upload. Build first.
let server: PostgresServer;
let s3: S3Server;
let work: string;
let sdk: S3Client;
const BUCKET = 'kong-rollback';
const SECRET = 'wJalrXUtnFEMI-example-secret-key';
const TOKEN = 'IQoJb3JpZ2luX2VjE-example-session-token';

beforeAll(async () => {
  [server, s3] = await Promise.all([startPostgres({ database: 'postgres' }), startS3Server()]);
  await createKongDatabase(server, 'kong');
  // Incompressible bytes in a table Kong does not have: the dump spans several 8 MiB parts.
  await withClient(server, 'kong', (c) => c.query("CREATE TABLE filler (n int, b bytea); INSERT INTO filler SELECT i, decode(string_agg(md5(i::text || j::text), ''), 'hex') FROM generate_series(1, 1400) i, generate_series(1, 1024) j GROUP BY i"));
  work = mkdtempSync(path.join(os.tmpdir(), 'object-storage-action-'));
  sdk = new S3Client({ endpoint: s3.endpoint, region: 'eu-west-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await sdk.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 120_000);

afterAll(async () => {
  sdk?.destroy();
  await Promise.all([server?.stop(), s3?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const url = (database: string) => `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${database}?sslmode=disable`;
/** What aws-actions/configure-aws-credentials leaves in the job's environment after an OIDC role. */
const awsEnv = () => ({ AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEYID', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_REGION: 'eu-west-1' });
const storage = () => ({ 's3-endpoint': s3.endpoint, 's3-force-path-style': 'true' });
const keys = async (prefix: string) =>
  ((await sdk.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
const openUploads = () => readdirSync(path.join(s3.dir, '_multipart'));
const uploadedParts = (uploadId: string) => {
  const dir = path.join(s3.dir, '_multipart', uploadId, 'parts');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.data')).length : 0;
};

function expectNoSecret(run: ActionRun): void {
  const stdout = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
  for (const text of [stdout, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
    expect(text.includes(SECRET)).toBe(false);
    expect(text.includes(TOKEN)).toBe(false);
  }
}

describe('backup-db action with object storage', () => {
  it('backup → bucket → verify (trial restore) → restore, every step reading the bucket, outputs naming s3:// URLs', async () => {
    const backup = await runAction('backup-db', { 'database-url': url('kong'), 'object-storage': `s3://${BUCKET}/prod`, 's3-kms-key-id': 'alias/kong-backups', compression: 'none', ...storage() }, { env: awsEnv() });
    expect(backup.exitCode, backup.stdout).toBe(0);
    const manifest = backup.outputs['manifest-path']!;
    expect(manifest).toMatch(new RegExp(`^s3://${BUCKET}/prod/kong-kong-\\d{8}T\\d{6}Z/manifest\\.json$`));
    expect(backup.outputs['backup-path']).toBe(manifest.replace(/manifest\.json$/, 'kong.dump'));
    expect(backup.masked).toEqual(expect.arrayContaining([SECRET, TOKEN]));
    expectNoSecret(backup);
    expect(backup.summary).toContain(manifest);
    const prefix = manifest.slice(`s3://${BUCKET}/`.length, -'manifest.json'.length);
    expect(await keys(prefix)).toEqual([`${prefix}kong.dump`, `${prefix}manifest.json`]);

    const verify = await runAction('backup-db', { mode: 'verify', manifest, 'trial-restore': true, 'database-url': url('postgres'), ...storage() }, { env: awsEnv() });
    expect(verify.exitCode, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/Downloaded 1 file\(s\), \d+ bytes, from s3:\/\/kong-rollback\/prod\/kong-kong-\S+: sizes and SHA-256 match the manifest/);
    expect(verify.summary).toMatch(/trial restore into a scratch database: fingerprint equals the manifest/);
    expect(verify.outputs['manifest-path']).toBe(manifest);

    // The CLI reads the same bucket, with the same inputs as flags.
    const cli = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/cli/index.js'), 'verify', '--manifest', manifest, '--s3-endpoint', s3.endpoint, '--s3-force-path-style', 'true'], { env: { ...process.env, ...awsEnv() }, encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`Backup verified: ${manifest}`);

    const restore = await runAction('backup-db', { mode: 'restore', manifest, 'target-database-url': url('kong_restored'), jobs: 2, ...storage() }, { env: awsEnv() });
    expect(restore.exitCode, restore.stdout).toBe(0);
    const restored = restore.outputs['manifest-path']!;
    expect(restored).toMatch(new RegExp(`^s3://${BUCKET}/${prefix}restored-127\\.0\\.0\\.1-\\d+-kong_restored\\.manifest\\.json$`));
    expect(restore.outputs.fingerprint).toBe(backup.outputs.fingerprint);
    expect(await keys(prefix)).toEqual([`${prefix}kong.dump`, `${prefix}manifest.json`, restored.slice(`s3://${BUCKET}/`.length)]);
    const rows = await withClient(server, 'kong_restored', (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM filler'));
    expect(rows.rows[0]!.n).toBe('1400');
  });

  it('killed (SIGKILL) halfway through the upload: no manifest, no object; the post step aborts the multipart upload', async () => {
    const run = gatedRun('killed');
    const uploadId = await run.uploading();
    process.kill(actionPid(run.runnerTemp), 'SIGKILL');
    // run-action reports a SIGKILLed action as a rejection.
    expect(await run.running.then(() => 'finished', () => 'killed')).toBe('killed');
    await run.release();

    const prefix = run.ledger()!.archive.replace(/kong\.dump$/, '');
    expect(prefix).toMatch(/^killed\/kong-kong-\d{8}T\d{6}Z\/$/);
    expect(await keys('killed/')).toEqual([]);
    expect(openUploads()).toEqual([uploadId]);

    const post = await run.post();
    expect(post.exitCode, post.stdout).toBe(0);
    expect(post.summary).toContain(`aborted the unfinished multipart upload ${uploadId} of s3://${BUCKET}/${prefix}kong.dump (no manifest)`);
    expect(openUploads()).toEqual([]);
    expect(await keys('killed/')).toEqual([]);
    expect(readdirSync(run.runnerTemp)).toEqual([]);
  });
});

describe('backup-db action with object storage, cancelled', () => {
  it('cancelled (SIGTERM) halfway through the upload: the step aborts the multipart upload itself and fails, leaving nothing', async () => {
    const run = gatedRun('cancelled');
    const uploadId = await run.uploading();
    process.kill(actionPid(run.runnerTemp), 'SIGTERM');
    // The step aborts the upload while pg_dump (held at the gate) is still being stopped.
    for (let i = 0; i < 600 && openUploads().includes(uploadId); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openUploads()).toEqual([]);
    await run.release();
    const result = await run.running;
    expect(result.exitCode).toBe(1);
    expect(result.annotations[0]?.message).toBe('object storage: upload cancelled');
    expect(await keys('cancelled/')).toEqual([]);
    expect(readdirSync(run.runnerTemp)).toEqual([]);
  });
});

/**
 * backup-db to `s3://BUCKET/<name>` whose pg_dump's first 20 MB reach the action and the rest
 * waits at a FIFO the test opens: the upload is then exactly two 8 MiB parts in, whatever the load.
 */
function gatedRun(name: string) {
  const bin = mkdtempSync(path.join(work, `${name}-bin-`));
  const gate = path.join(bin, 'gate');
  execFileSync('mkfifo', [gate]);
  writeFileSync(path.join(bin, 'pg_dump'), `#!/bin/sh\ncase "$1" in --version) exec '${server.bindir}/pg_dump' --version;; esac\n'${server.bindir}/pg_dump' "$@" | { head -c 20000000; read line < '${gate}'; cat; }\n`);
  chmodSync(path.join(bin, 'pg_dump'), 0o755);
  const home = mkdtempSync(path.join(work, `${name}-`));
  const runnerTemp = path.join(home, 'runner-temp');
  const stateFile = path.join(home, 'state');
  mkdirSync(runnerTemp);
  writeFileSync(stateFile, '');
  const inputs = { 'database-url': url('kong'), 'object-storage': `s3://${BUCKET}/${name}`, compression: 'none', 'pg-bin-dir': bin, ...storage() };
  const env = { ...awsEnv(), RUNNER_TEMP: runnerTemp, GITHUB_STATE: stateFile };
  const running = runAction('backup-db', inputs, { env, timeoutMs: 120_000 });
  running.catch(() => {});
  const ledger = () => {
    const [folder] = readdirSync(runnerTemp);
    const file = folder === undefined ? '' : path.join(runnerTemp, folder, 'ledger', 'object-backup.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { uploadId: string | null; archive: string }) : undefined;
  };
  return {
    runnerTemp,
    running,
    ledger,
    /** The upload's id once the ledger names it and its two parts arrived. */
    async uploading(): Promise<string> {
      let uploadId: string | null | undefined;
      for (let i = 0; i < 600 && !(uploadId && uploadedParts(uploadId) >= 2); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        uploadId = ledger()?.uploadId;
      }
      expect(uploadId).toMatch(/^[0-9a-f-]{36}$/);
      expect(uploadedParts(uploadId!)).toBe(2);
      return uploadId!;
    },
    release: () => writeFile(gate, 'go\n'),
    /** backup-db's post step with the inputs and the state the main step saved. */
    post(): Promise<ActionRun> {
      const state = parseFileCommand(readFileSync(stateFile, 'utf8'));
      const stateEnv = Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]));
      return runAction('backup-db', inputs, { entry: path.join(REPO_ROOT, 'dist/backup-db/post/index.js'), env: { ...env, ...stateEnv } });
    },
  };
}

/** The action's node process: the one whose environment holds this run's RUNNER_TEMP. */
function actionPid(runnerTemp: string): number {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('dist/backup-db/index.js')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`RUNNER_TEMP=${runnerTemp}`)) return Number(entry);
    } catch {
      // gone
    }
  }
  throw new Error('the action process is not running');
}
