import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKongConfDefault } from '../../src/changelog/kong-conf.js';
import { parseOssChangelog } from '../../src/changelog/parse/oss-markdown.js';
import { buildPlan } from '../../src/changelog/plan.js';
import { readPlanRequest } from '../../src/changelog/plan-request.js';
import type { UpgradePlan } from '../../src/changelog/plan-types.js';
import { writeCached } from '../../src/changelog/sources/cache.js';
import { OSS_CHANGELOG, OSS_CHANGELOG_OLD, ENTERPRISE_CHANGELOG } from '../../src/changelog/sources/remote-file.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { startFakeGithub } from '../helpers/fake-github.js';
import { describeWithKongData, itWithKongData, kongDataPath, kongDataText } from '../helpers/kong-data.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const CHANGELOGS = ['oss/CHANGELOG.md', 'oss/CHANGELOG-OLD.md'];
/** Kong/kong's CHANGELOG.md and CHANGELOG-OLD.md, read inside the tests that need them. */
const changelogs = () => [kongDataText('oss/CHANGELOG.md'), kongDataText('oss/CHANGELOG-OLD.md')] as const;
const confFile = (tag: string) => `kong-conf/kong.conf.default-${tag}`;
const conf = (tag: string) => readFile(kongDataPath(confFile(tag)), 'utf8');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'plan-test-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function plan(values: Record<string, string>, logs: string[] = []): Promise<UpgradePlan> {
  const request = await readPlanRequest({ get: (name) => values[name] ?? '', mask: () => {} });
  return buildPlan(request, { log: (line) => logs.push(line), now: () => new Date('2026-11-24T12:00:00Z') });
}

describe('offline plan from built-in data', () => {
  it('plans OSS 2.8.4 → 3.4.2 in one LTS hop with kong.conf changes and every release between', async () => {
    const result = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true' });
    expect(result.schema).toBe('kong-upgrade/plan@1');
    expect(result.hops.map((hop) => [hop.from, hop.to, hop.rule])).toEqual([['2.8.4', '3.4.2', 'lts-to-lts']]);
    expect(result.hops[0]!.teardownMigrations).toContain('core:016_280_to_300');
    expect(result.requiresFinish).toBe(true);
    expect(result.releases.map((r) => r.version)).toEqual([
      '2.8.5', '3.0.0', '3.0.1', '3.0.2', '3.1.0', '3.1.1', '3.2.0', '3.2.1', '3.2.2', '3.3.0', '3.3.1', '3.4.0', '3.4.1', '3.4.2',
    ]);
    expect(result.source).toMatchObject({ mode: 'offline', entriesAvailable: false });
    expect(result.strategy.recommended).toBe('dual-cluster');
    expect(result.kongConf.available).toBe(true);
    if (!result.kongConf.available) return;
    expect(result.kongConf.removed.map((p) => p.name).filter((n) => n.startsWith('cassandra_'))).toHaveLength(17);
    expect(result.database.changes.join(' ')).toContain('Cassandra is not supported from 3.4');
    expect(result.notes.map((n) => n.id)).toContain('regex-path-prefix');
  });

  it('plans Enterprise 2.8.4.0 → 3.10.0.2 through the 3.4 LTS and says kong.conf is not available', async () => {
    const result = await plan({ from: '2.8.4.0', to: '3.10.0.2', offline: 'true' });
    expect(result.edition).toBe('enterprise');
    expect(result.hops.map((hop) => hop.to)).toEqual([expect.stringMatching(/^3\.4\.3\.\d+$/), '3.10.0.2']);
    expect(result.kongConf).toEqual({ available: false, reason: expect.stringContaining('Enterprise') });
    expect(result.releases.every((r) => /^\d+\.\d+\.\d+\.\d+$/.test(r.version))).toBe(true);
    expect(result.releases.at(-1)?.version).toBe('3.10.0.2');
  });
});

describeWithKongData([...CHANGELOGS, confFile('2.8.0'), confFile('3.4.0')], 'a plan with the changelogs an earlier online run cached', () => {
  it('lists every entry of every release between 2.8.0 and 3.4.0 and the kong.conf changes', async () => {
    const cacheDir = path.join(work, 'cache-280');
    const [ossNew, ossOld] = changelogs();
    for (const [file, text] of [[OSS_CHANGELOG, ossNew], [OSS_CHANGELOG_OLD, ossOld]] as const) {
      await writeCached(cacheDir, { file, text, etag: '"x"', fetchedAt: '2026-11-20T12:00:00Z', via: 'network' });
    }
    const result = await plan({ from: '2.8.0', to: '3.4.0', offline: 'true', 'cache-dir': cacheDir });
    expect(result.source.entriesAvailable).toBe(true);
    expect(result.source.files.filter((f) => f.via === 'cache').map((f) => f.ageDays)).toEqual([4, 4]);

    // Every release between, each with exactly the entries the parser finds in its section.
    const parsed = new Map([...parseOssChangelog(ossNew), ...parseOssChangelog(ossOld)].map((r) => [r.version, r.entries.length]));
    const expected = ['2.8.1', '2.8.2', '2.8.3', '2.8.4', '2.8.5', '3.0.0', '3.0.1', '3.0.2', '3.1.0', '3.1.1', '3.2.0', '3.2.1', '3.2.2', '3.3.0', '3.3.1', '3.4.0'];
    expect(result.releases.map((r) => r.version)).toEqual(expected);
    for (const release of result.releases) expect(release.entries.length, release.version).toBe(parsed.get(release.version) ?? 0);
    const total = expected.reduce((sum, v) => sum + (parsed.get(v) ?? 0), 0);
    expect(Object.values(result.counts).reduce((a, b) => a + b, 0)).toBe(total);
    expect(result.counts.breaking).toBeGreaterThan(10);

    expect(result.kongConf.available).toBe(true);
    if (!result.kongConf.available) return;
    expect([result.kongConf.fromTag, result.kongConf.toTag]).toEqual(['2.8.0', '3.4.0']);
    const target = parseKongConfDefault(await conf('3.4.0'));
    const gone = [...parseKongConfDefault(await conf('2.8.0')).keys()].filter((k) => !target.has(k));
    expect(result.kongConf.removed.map((p) => p.name).sort()).toEqual(gone.sort());
    expect(gone.every((k) => k.startsWith('cassandra_'))).toBe(true);
    expect(result.kongConf.removed).toHaveLength(17);
    expect(result.kongConf.added.map((p) => p.name)).toContain('router_flavor');
  });
});

describe('online plan', () => {
  itWithKongData([...CHANGELOGS, confFile('3.4.0'), confFile('3.9.3')], 'reads the changelogs and kong.conf.default from GitHub, caches them, and revalidates next time', async () => {
    const [ossNew, ossOld] = changelogs();
    const github = await startFakeGithub({
      'Kong/kong@master:CHANGELOG.md': ossNew,
      'Kong/kong@master:CHANGELOG-OLD.md': ossOld,
      'Kong/kong@3.4.0:kong.conf.default': await conf('3.4.0'),
      'Kong/kong@3.9.3:kong.conf.default': await conf('3.9.3'),
    });
    try {
      const cacheDir = path.join(work, 'cache-online');
      const inputs = { from: '3.4.0', to: '3.9.3', 'github-api-url': github.url, 'cache-dir': cacheDir };
      const first = await plan(inputs);
      expect(first.source.mode).toBe('online');
      expect(first.source.files.map((f) => [f.location, f.via])).toEqual(
        expect.arrayContaining([
          ['Kong/kong@master:CHANGELOG.md', 'network'],
          ['Kong/kong@3.9.3:kong.conf.default', 'network'],
        ]),
      );
      expect(first.kongConf).toMatchObject({ available: true, fromTag: '3.4.0', toTag: '3.9.3' });
      expect(first.releases.find((r) => r.version === '3.9.0')?.entries.length).toBeGreaterThan(10);
      const second = await plan(inputs);
      expect(second.source.files.find((f) => f.location === 'Kong/kong@master:CHANGELOG.md')?.via).toBe('revalidated');
      expect(github.requests.some((r) => r.includes('CHANGELOG.md'))).toBe(true);
    } finally {
      await github.close();
    }
  });

  it('falls back to offline, saying why, when GitHub cannot be reached', async () => {
    const logs: string[] = [];
    const result = await plan({ from: '3.4.2', to: '3.9.3', 'github-api-url': 'http://127.0.0.1:9' }, logs);
    expect(result.source).toMatchObject({ mode: 'offline', reason: 'GitHub was unreachable', entriesAvailable: false });
    expect(logs.join('\n')).toContain('GitHub is unreachable');
    expect(result.kongConf).toMatchObject({ available: true, fromTag: '3.4.2', toTag: '3.9.3' });
  });

  itWithKongData(['docs/gateway-changelog.json'], 'reads the Enterprise changelog JSON for an Enterprise plan', async () => {
    const json = kongDataText('docs/gateway-changelog.json');
    const github = await startFakeGithub({ 'Kong/developer.konghq.com@main:app/_data/changelogs/gateway.json': json });
    try {
      const result = await plan({ from: '3.4.3.5', to: '3.4.3.12', 'github-api-url': github.url });
      expect(result.source.files[0]?.location).toBe(`Kong/developer.konghq.com@main:${ENTERPRISE_CHANGELOG.path}`);
      expect(result.releases.map((r) => r.version)).toEqual(['3.4.3.6', '3.4.3.7', '3.4.3.8', '3.4.3.9', '3.4.3.10', '3.4.3.11', '3.4.3.12']);
      const parsed = JSON.parse(json) as Record<string, Record<string, unknown[]>>;
      const expected = ['kong', 'kong-ee', 'kong-manager', 'kong-manager-ee'].reduce((n, key) => n + (parsed['3.4.3.6']?.[key]?.length ?? 0), 0);
      expect(result.releases[0]?.entries).toHaveLength(expected);
    } finally {
      await github.close();
    }
  });
});

describe('impacts from the deployment', () => {
  let admin: Server;
  let adminUrl: string;
  let pg: PostgresServer;
  beforeAll(async () => {
    // Shapes from kong-facts changelog-and-admin-api.md B.1 and B.4.
    const collections: Record<string, unknown[]> = {
      '/routes': [{ id: 'r1', name: 'lookahead', paths: ['/api/(?!internal)'] }, { id: 'r2', name: 'plain', paths: ['/ok'] }],
      '/plugins': [],
      '/services': [{ id: 's1', name: 'svc' }],
    };
    admin = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/') return void res.end(JSON.stringify({ version: '2.8.4', tagline: 'Welcome to kong' }));
      const data = collections[url.pathname];
      if (data === undefined) return void res.writeHead(404).end(JSON.stringify({ message: 'Not found' }));
      res.end(JSON.stringify({ data, next: null }));
    });
    await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
    adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
    pg = await startPostgres();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => admin.close(() => resolve()));
    await pg.stop();
  });

  it('reads the running version and routes from the Admin API and flags a regex the 3.x router rejects', async () => {
    const logs: string[] = [];
    const result = await plan({ to: '3.4.2', offline: 'true', 'admin-url': adminUrl }, logs);
    expect(result.from).toBe('2.8.4');
    const engine = result.impacts.filter((i) => i.rule === 'route-regex-engine');
    expect(engine).toHaveLength(1);
    expect(engine[0]!.where).toContain('lookahead');
    expect(logs.join('\n')).toContain('2 routes');
  });

  it('flags kong.conf settings and declarative paths that break on 3.x', async () => {
    const kongConf = path.join(work, 'kong.conf');
    await writeFile(kongConf, 'database = cassandra\npg_ssl_version = tlsv1\n');
    const deck = path.join(work, 'kong.yaml');
    await writeFile(deck, "_format_version: '1.1'\nservices:\n- name: a\n  url: http://a\n  routes:\n  - name: r\n    paths: ['/v1/\\d+']\n");
    const result = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true', 'kong-conf': kongConf, 'declarative-config': deck });
    const rules = result.impacts.map((i) => i.rule);
    expect(rules).toContain('kong-conf-invalid-value');
    // kong.conf shows a database, so the file reaches Kong through decK, which refuses a 1.1 file on 3.x.
    expect(result.impacts.find((i) => i.rule === 'declarative-format-version')).toMatchObject({ severity: 'error', where: deck });
    expect(result.inspected.declarative).toEqual([
      {
        file: deck,
        formatVersion: '1.1',
        consumer: 'deck',
        consumerReason: 'kong.conf or kong-env sets database = cassandra: files reach it through decK',
        services: 1,
        routes: 1,
        plugins: [],
        regexPaths: 1,
        envPlaceholders: [],
      },
    ]);
    expect(result.inspected.kongConf).toEqual([{ file: kongConf, input: 'kong-conf', properties: 2 }]);
  });

  it('decides the consumer: database = off in kong-env means DB-less, nothing seen means both', async () => {
    const deck = path.join(work, 'kong-21.yaml');
    await writeFile(deck, "_format_version: '2.1'\nservices:\n- name: a\n  url: http://a\n  routes:\n  - name: r\n    paths: ['/v1/\\d+', /plain]\n");
    const env = path.join(work, 'kong.env');
    await writeFile(env, 'KONG_DATABASE=off\n');
    const logs: string[] = [];
    const dbless = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true', 'declarative-config': deck, 'kong-env': env }, logs);
    const fileRules = (p: UpgradePlan) => p.impacts.filter((i) => i.where?.startsWith(deck));
    expect(fileRules(dbless).map((i) => [i.rule, i.severity])).toEqual([['route-regex-prefix', 'warning']]);
    expect(fileRules(dbless)[0]!.title).toBe('Regex path loaded as "~/v1/\\d+" by Kong 3.x');
    expect(logs).toContain(`${deck} (2.1, DB-less): 1 services, 1 routes, 1 regex paths; plugins: none`);
    expect(logs).toContain(`${env} (kong-env): 1 properties set`);
    const both = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true', 'declarative-config': deck });
    expect(both.inspected.declarative[0]).toMatchObject({ consumer: 'deck+db-less' });
    expect(both.impacts.map((i) => [i.rule, i.severity])).toEqual([
      ['declarative-format-version', 'error'],
      ['route-regex-prefix', 'warning'],
    ]);
    // A kong.conf that leaves `database` out proves nothing (Compose often sets KONG_DATABASE=off).
    const silentConf = path.join(work, 'no-database.conf');
    await writeFile(silentConf, 'proxy_listen = 0.0.0.0:8080\n');
    const unsure = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true', 'declarative-config': deck, 'kong-conf': silentConf });
    expect(unsure.inspected.declarative[0]).toMatchObject({ consumer: 'deck+db-less' });
    const asked = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true', 'declarative-config': deck, 'declarative-consumer': 'deck' });
    expect(asked.impacts.map((i) => i.rule)).toEqual(['declarative-format-version']);
  });

  it('reads the PostgreSQL server version over a password connection', async () => {
    const logs: string[] = [];
    const result = await plan({ from: '3.4.2', to: '3.9.3', offline: 'true', 'database-url': pg.url }, logs);
    expect(logs.join('\n')).toMatch(/PostgreSQL server version \d+\.\d+/);
    expect(result.impacts.filter((i) => i.rule === 'postgres-version')).toEqual([]);
  });
});

describe('bad input is refused naming the input', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['an unknown version', { from: '2.8.4', to: '3.4.3', offline: 'true' }, /^input 'to': .*3\.4\.3/],
    ['a version that is not one', { from: 'latest-ish', to: '3.4.2', offline: 'true' }, /^input 'from': "latest-ish" is not a Kong version; accepted forms/],
    ['B older than A', { from: '3.4.2', to: '2.8.4', offline: 'true' }, /^input 'to': .*(older|downgrade)/],
    ['the same version', { from: '3.4.2', to: '3.4.2', offline: 'true' }, /^input 'to': /],
    ['an unreadable changelog-file', { from: '2.8.4', to: '3.4.2', offline: 'true', 'changelog-file': '/nonexistent/CHANGELOG.md' }, /^input 'changelog-file': cannot read "\/nonexistent\/CHANGELOG.md": no such file/],
    ['a bad edition', { from: '2.8.4', to: '3.4.2', edition: 'community' }, /^input 'edition': "community" is not one of auto, oss, enterprise/],
  ];
  for (const [what, values, message] of cases) {
    it(`refuses ${what}`, async () => {
      const error = await plan(values).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpgradeError);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('refuses a malformed kong.conf with its line number', async () => {
    const file = path.join(work, 'bad.conf');
    await writeFile(file, 'database = postgres\n\nthis is not a setting\n');
    await expect(plan({ from: '2.8.4', to: '3.4.2', offline: 'true', 'kong-conf': file })).rejects.toThrow(/^input 'kong-conf': line 3/);
  });
});

describe('hop notes from the upgrade guides', () => {
  it('suggests the 3.14 compatibility preflight on the 3.10 → 3.14 LTS hop', async () => {
    const result = await plan({ from: '3.10.0.2', to: '3.14.0.13', offline: 'true' });
    const hop = result.hops.find((h) => h.from.startsWith('3.10') && h.to.startsWith('3.14'));
    expect(hop?.notes.join('\n')).toContain('kong check --lts-314-compatibility');
    const other = await plan({ from: '2.8.4.0', to: '3.4.3.29', offline: 'true' });
    expect(other.hops.flatMap((h) => h.notes).join('\n')).not.toContain('lts-314');
  });

  it('warns hybrid deployments about consumer-group scoped plugins when crossing into 3.4', async () => {
    const hybrid = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true', deployment: 'hybrid' });
    expect(hybrid.hops[0]!.notes.join('\n')).toContain('consumer groups');
    const traditional = await plan({ from: '2.8.4', to: '3.4.2', offline: 'true' });
    expect(traditional.hops[0]!.notes.join('\n')).not.toContain('consumer groups');
  });
});
