import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAdminApi, EXPORT_SCHEMA } from '../../src/database/export.js';
import { readEntityFacts } from '../../src/database/postgres/fingerprint.js';
import { createAdminClient } from '../../src/kong/admin-api.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { installTool } from '../../src/lib/tool-install.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { fakeDeckArchive, releaseServer } from './fake-deck.js';
// @ts-expect-error plain ESM JavaScript without declarations
import { startKongNode } from '../kong-sim/start.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { createKongSchema } from '../kong-sim/seed/schema.mjs';
// @ts-expect-error plain ESM JavaScript without declarations
import { seedKongDatabase } from '../kong-sim/seed/generate.mjs';

const TOKEN = 'rbac-token-5f1e2d';
let server: PostgresServer;
let work: string;
let dbUrl: string;
let node: { adminUrl: string; stop(): Promise<void> };
let oss: { adminUrl: string; stop(): Promise<void> };

beforeAll(async () => {
  server = await startPostgres({ database: 'postgres' });
  work = mkdtempSync(path.join(os.tmpdir(), 'export-test-'));
  await server.createDatabase('kong_ee');
  dbUrl = server.url.replace(/\/[^/]+$/, '/kong_ee');
  const client = new pg.Client(dbUrl);
  await client.connect();
  try {
    await createKongSchema(client, { version: '3.4.3', enterprise: true });
  } finally {
    await client.end();
  }
  await seedKongDatabase(dbUrl, { counts: { services: 40 }, workspaces: 2, seed: 5 });
  node = await startKongNode({ pg: dbUrl, version: '3.4.3.5', edition: 'enterprise', rbacToken: TOKEN });
  oss = await startKongNode({ pg: dbUrl, version: '3.9.1' });
}, 120_000);

afterAll(async () => {
  await node?.stop();
  await oss?.stop();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const dir = (name: string) => {
  const d = path.join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
};

async function databaseCounts(): Promise<Readonly<Record<string, Readonly<Record<string, number>>>>> {
  const client = new pg.Client(dbUrl);
  await client.connect();
  try {
    return (await readEntityFacts(client)).counts;
  } finally {
    await client.end();
  }
}

describe('declarative export through the Admin API', () => {
  it('exports every workspace of an Enterprise node (RBAC token) with counts that equal the database', async () => {
    const client = createAdminClient({ url: node.adminUrl, token: TOKEN, workspace: undefined });
    const result = await exportAdminApi({ client, backupDir: dir('ee'), workspace: undefined, concurrency: 4 });
    const { index } = result;
    expect(index.schema).toBe(EXPORT_SCHEMA);
    expect(index.workspaces).toEqual(['default', 'ws-1', 'ws-2']);
    expect(index.admin).toMatchObject({ kongVersion: '3.4.3.5', edition: 'enterprise' });
    expect(readdirSync(path.join(result.folder, 'workspaces')).sort()).toEqual(['default.json', 'ws-1.json', 'ws-2.json']);

    // Key by key, what the export saw equals what the database holds (the manifest's counts).
    const db = await databaseCounts();
    let compared = 0;
    for (const [ws, byType] of Object.entries(index.counts)) {
      for (const [entity, n] of Object.entries(byType)) {
        if (ws === '*' && entity === 'workspaces') continue;
        expect(n, `${ws}/${entity}`).toBe(db[ws]?.[entity] ?? 0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(15);
    expect(index.counts['ws-1']?.services).toBeGreaterThan(0);
    expect(index.counts['ws-1']?.targets).toBeGreaterThan(0);

    // The per-workspace file holds the entities themselves, as the Admin API served them.
    const ws1 = JSON.parse(readFileSync(path.join(result.folder, 'workspaces/ws-1.json'), 'utf8'));
    expect(ws1.entities.services).toHaveLength(index.counts['ws-1']!.services!);
    expect(ws1.entities.routes[0]).toHaveProperty('paths');
    expect(ws1.counts).toEqual(index.counts['ws-1']);
    // What this node does not serve is said, not silently dropped.
    expect(index.skipped['default']).toContain('key-auths');

    // Every file is listed with its SHA-256, and the index came last.
    for (const file of index.files) {
      const bytes = readFileSync(path.join(result.folder, file.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
    expect(index.files.map((f) => f.path)).not.toContain('export.json');
  });

  it('OSS 3.9 without /workspaces: one default workspace', async () => {
    const client = createAdminClient({ url: oss.adminUrl, token: undefined, workspace: undefined });
    const { index } = await exportAdminApi({ client, backupDir: dir('oss'), workspace: undefined, concurrency: 2 });
    expect(index.workspaces).toEqual(['default']);
    // Unprefixed requests on this node see the default workspace only.
    expect(index.counts.default?.services).toBe((await databaseCounts()).default?.services);
  });

  it('a wrong RBAC token fails with the Admin API answer and leaves no folder', async () => {
    const client = createAdminClient({ url: node.adminUrl, token: 'wrong', workspace: undefined });
    const backupDir = dir('denied');
    const error = await exportAdminApi({ client, backupDir, workspace: undefined, concurrency: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeError);
    expect((error as Error).message).toMatch(/answered 401/);
    expect(readdirSync(backupDir)).toEqual([]);
  });
});

describe('decK through tool-cache, dumped per workspace', () => {
  it('installs from a release archive once (then from the cache), checks checksums.txt, and dumps each workspace with the token by environment', async () => {
    const archive = fakeDeckArchive(work, '1.40.0');
    const sha = createHash('sha256').update(archive).digest('hex');
    const releases = await releaseServer({
      '/v1.40.0/deck_1.40.0_linux_amd64.tar.gz': archive,
      '/v1.40.0/checksums.txt': Buffer.from(`0000  deck_1.40.0_darwin_amd64.tar.gz\n${sha}  deck_1.40.0_linux_amd64.tar.gz\n`),
      '/v1.41.0/deck_1.41.0_linux_amd64.tar.gz': fakeDeckArchive(work, '1.41.0'),
      '/v1.41.0/checksums.txt': Buffer.from(`${'ab'.repeat(32)}  deck_1.41.0_linux_amd64.tar.gz\n`),
    });
    const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };
    process.env.RUNNER_TOOL_CACHE = dir('tool-cache');
    process.env.RUNNER_TEMP = dir('runner-temp');
    try {
      const release = (version: string) => ({
        tool: 'deck', version, binary: 'deck', input: 'deck-version',
        url: `${releases.url}/v${version}/deck_${version}_linux_amd64.tar.gz`,
        checksumsUrl: `${releases.url}/v${version}/checksums.txt`,
      });
      const first = await installTool(release('1.40.0'));
      expect(first.fromCache).toBe(false);
      expect(first.path.startsWith(process.env.RUNNER_TOOL_CACHE!)).toBe(true);
      const asked = releases.requests.length;
      const second = await installTool(release('1.40.0'));
      expect(second).toMatchObject({ fromCache: true, path: first.path });
      expect(releases.requests.length).toBe(asked);

      // A checksum that does not match: refused, nothing cached.
      const bad = await installTool(release('1.41.0')).catch((e: unknown) => e);
      expect((bad as Error).message).toMatch(/SHA-256 .* but .*checksums\.txt says/);
      expect(existsSync(path.join(process.env.RUNNER_TOOL_CACHE!, 'deck', '1.41.0'))).toBe(false);
      // A version that was never released: the input is named.
      const missing = await installTool(release('9.9.9')).catch((e: unknown) => e);
      expect((missing as UpgradeError).origin).toEqual({ input: 'deck-version' });

      const client = createAdminClient({ url: node.adminUrl, token: TOKEN, workspace: undefined });
      const result = await exportAdminApi({ client, backupDir: dir('deck'), workspace: undefined, concurrency: 4, deck: { path: first.path, version: '1.40.0' } });
      expect(result.index.deck).toEqual({ version: '1.40.0', files: ['deck/default.yaml', 'deck/ws-1.yaml', 'deck/ws-2.yaml'] });
      const dump = readFileSync(path.join(result.folder, 'deck/ws-1.yaml'), 'utf8');
      expect(dump).toMatch(/# argv: gateway dump --output-file \S+ws-1\.yaml --yes --workspace ws-1$/m);
      expect(dump).toContain(`# addr: ${node.adminUrl}`);
      expect(dump).toContain(`# headers: Kong-Admin-Token:${TOKEN}`);
      expect(/# argv: .*/.exec(dump)![0]).not.toContain(TOKEN);
      expect(result.index.files.map((f) => f.path)).toContain('deck/ws-2.yaml');
    } finally {
      process.env.RUNNER_TOOL_CACHE = saved.cache;
      process.env.RUNNER_TEMP = saved.temp;
      if (saved.cache === undefined) delete process.env.RUNNER_TOOL_CACHE;
      if (saved.temp === undefined) delete process.env.RUNNER_TEMP;
      await releases.close();
    }
  });
});
