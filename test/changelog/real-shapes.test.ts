// What real configurations contain (issue 14), held against the project's own fixtures written in
// the same shapes (test/fixtures/configs/README.md): each class of miss the first pass found has
// a test here that failed before its fix.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarativeEntities } from '../../src/changelog/impact/entities.js';
import { analyzeImpact, impactContext, type ImpactInput } from '../../src/changelog/impact/index.js';
import { templateKind } from '../../src/changelog/impact/nginx-template.js';
import { kongMigratedRegex } from '../../src/changelog/impact/route-paths.js';
import { parseUserKongConf } from '../../src/changelog/kong-conf.js';
import { parseKongEnv } from '../../src/changelog/kong-env.js';
import { readYaml } from '../../src/changelog/declarative/yaml-reader.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { REPO_ROOT } from '../helpers/paths.js';

const dir = path.join(REPO_ROOT, 'test/fixtures/configs');
const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const v = parseKongVersion;
const base = (from: string, to: string, extra: Partial<ImpactInput> = {}): ImpactInput => ({ from: v(from), to: v(to), ...extra });
const declarative = (name: string) => [{ file: name, text: fixture(name) }];
const brief = (input: ImpactInput) => analyzeImpact(input).map((i) => [i.rule, i.severity, i.where]);

describe('the YAML reader', () => {
  it('keeps the line of every list item, through CRLF and a BOM', () => {
    const yaml = readYaml('\uFEFFa:\r\n  - x\r\n  -\r\n    y: 1\r\n  - [1, 2]\r\n');
    const list = (yaml.documents[0] as { a: unknown[] }).a;
    expect(list).toEqual(['x', { y: 1 }, [1, 2]]);
    expect(yaml.itemLines(list)).toEqual([2, 4, 5]);
  });

  it('resolves aliases to the anchored value and merge keys with the mapping\'s own keys winning', () => {
    const [doc] = readYaml('base: &b {a: 1, b: 2}\nlist: &l [x]\nuse: *b\nagain: *l\nmerged:\n  <<: *b\n  b: 3\n').documents as [Record<string, unknown>];
    expect(doc['use']).toBe(doc['base']);
    expect(doc['again']).toEqual(['x']);
    expect(doc['merged']).toEqual({ a: 1, b: 3 });
  });

  it('reads YAML 1.2 core scalars: only plain ones resolve', () => {
    const [doc] = readYaml('a: 1\nb: "1"\nc: true\nd: off\ne: ~\nf: 1.5\ng: !!str 2\nh: 0x1F\n').documents;
    expect(doc).toEqual({ a: 1, b: '1', c: true, d: 'off', e: null, f: 1.5, g: '2', h: 31 });
  });
});

describe('declarative files as real deployments write them', () => {
  it('a DB-less stack file in 2.1 with plain paths: nothing for DB-less, an error for decK', () => {
    const file = declarative('dbless-2.1-plain.yml');
    expect(brief(base('2.8.4', '3.4.2', { declarative: file, declarativeConsumers: ['db-less'] }))).toEqual([]);
    const deck = analyzeImpact(base('2.8.4', '3.4.2', { declarative: file, declarativeConsumers: ['deck'] }));
    expect(deck.map((i) => [i.rule, i.severity])).toEqual([['declarative-format-version', 'error']]);
    expect(deck[0]!.remedy).toContain('`deck file convert --from 2.8 --to 3.4 --input-file dbless-2.1-plain.yml --output-file dbless-2.1-plain-3.x.yml` with decK 1.47 or later');
    // From 2.7 the LTS converter is not the hop: the generic 2.x → 3.x one is.
    expect(analyzeImpact(base('2.7.2', '3.0.1', { declarative: file, declarativeConsumers: ['deck'] }))[0]!.remedy).toContain('--from kong-gateway-2.x --to kong-gateway-3.x');
  });

  it('2.x regex paths: decK refuses the file, DB-less loads each as Kong\'s ~ form', () => {
    const file = declarative('deck-1.1-regex.yaml');
    const dbless = analyzeImpact(base('2.8.4', '3.4.2', { declarative: file, declarativeConsumers: ['db-less'] }));
    expect(dbless.filter((i) => i.rule === 'route-regex-prefix').map((i) => [i.where, i.title])).toEqual([
      ['deck-1.1-regex.yaml:13', 'Regex path loaded as "~/orders/\\d+" by Kong 3.x'],
      ['deck-1.1-regex.yaml:14', 'Regex path loaded as "~/orders/(?<id>[0-9a-f-]{36})/items" by Kong 3.x'],
      ['deck-1.1-regex.yaml:28', 'Regex path loaded as "~/health/v[0-9]+" by Kong 3.x'],
    ]);
    expect(dbless.filter((i) => i.rule === 'plugin-changes').map((i) => [i.severity, i.where])).toEqual([['error', 'deck-1.1-regex.yaml:20']]);
    const deck = brief(base('2.8.4', '3.4.2', { declarative: file, declarativeConsumers: ['deck'] }));
    expect(deck).toContainEqual(['declarative-format-version', 'error', 'deck-1.1-regex.yaml']);
    expect(deck.filter(([rule]) => rule === 'route-regex-prefix')).toEqual([['route-regex-prefix', 'warning', 'deck-1.1-regex.yaml:28']]);
  });

  it('Kong\'s migration percent-decodes a regex path as migrate_path_280_300 does', () => {
    expect(kongMigratedRegex('/a%2Eb/(\\d+)')).toBe('~/a\\.b/(\\d+)');
    expect(kongMigratedRegex('/x%2f(y)')).toBe('~/x%2F(y)');
    expect(kongMigratedRegex('/caf%C3%A9/(a)')).toBe('~/caf\u00c3\u00a9/(a)');
  });

  it('anchors, aliases and merge keys are followed: aliased paths and plugins count', () => {
    const set = declarativeEntities('deck-anchors.yaml', fixture('deck-anchors.yaml'));
    expect(set.routes.map((r) => [r.where, r.paths.map((p) => p.path)])).toEqual([
      ['deck-anchors.yaml:6', ['~/api/v[12]/users/\\d+$', '/api/users']],
      ['deck-anchors.yaml:10', ['~/api/v[12]/users/\\d+$', '/api/users']],
    ]);
    expect(set.plugins.map((p) => [p.name, p.where])).toEqual([
      ['cors', 'deck-anchors.yaml:15'],
      ['rate-limiting', 'deck-anchors.yaml:19'],
      ['cors', 'deck-anchors.yaml:26'],
      ['ip-restriction', 'deck-anchors.yaml:28'],
      ['cors', 'deck-anchors.yaml:34'],
      ['ip-restriction', 'deck-anchors.yaml:35'],
    ]);
    expect(set.plugins[1]!.config).toEqual({ minute: 60, policy: 'local', hour: 1000 });
    expect(set.plugins[4]!.config).toEqual({ origins: ['https://app.example.test'], credentials: true });
    expect(set.plugins[5]!.config).toEqual({ deny: ['10.0.0.0/8'], status: 403 });
  });

  it('decK env templates are placeholders: never resolved, never a regex, never a crash', () => {
    const previous = process.env.DECK_API_VERSION;
    process.env.DECK_API_VERSION = '(?!x)';
    try {
      const set = declarativeEntities('deck-env.yaml', fixture('deck-env.yaml'));
      expect(set.envPlaceholders).toEqual(['DECK_PAYMENTS_URL', 'DECK_API_VERSION', 'DECK_BILLING_KEY']);
      expect(JSON.stringify(set)).not.toContain('(?!x)');
      expect(brief(base('2.8.4', '3.4.2', { declarative: declarative('deck-env.yaml') }))).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.DECK_API_VERSION;
      else process.env.DECK_API_VERSION = previous;
    }
  });

  it('a JSON file with tabs, a BOM and CRLF is read, lines right', () => {
    const found = analyzeImpact(base('2.8.4', '3.4.2', { declarative: declarative('dbless.json'), declarativeConsumers: ['db-less'] }));
    expect(found.map((i) => [i.rule, i.where])).toEqual([
      ['plugin-changes', 'dbless.json:10'],
      ['route-regex-prefix', 'dbless.json:8'],
    ]);
  });

  it('KIC manifests: KongPlugin configs and Ingress paths are checked', () => {
    const found = brief(base('2.8.4', '3.4.2', { declarative: declarative('kic-manifests.yaml') }));
    expect(found).toEqual([
      ['plugin-changes', 'error', 'kic-manifests.yaml:1'],
      ['plugin-changes', 'warning', 'kic-manifests.yaml:10'],
      ['route-regex-prefix', 'warning', 'kic-manifests.yaml:31'],
    ]);
  });

  it('a file that is not Kong configuration is refused, naming what it holds', () => {
    expect(() => declarativeEntities('not-kong.yaml', fixture('not-kong.yaml'))).toThrow(
      "input 'declarative-config': not-kong.yaml: Kubernetes resources (Deployment, Service) with no Kong Ingress Controller kind",
    );
    expect(() => declarativeEntities('values.yaml', fixture('helm-values.yaml'))).toThrow(/document 1 is a mapping with the keys image, env, ingressController/);
  });

  it('a syntax error names file, line, column and what was expected, never the line', () => {
    const text = 'consumers:\n  - username: a\n    keyauth_credentials:\n  - key: Planted-Key-4711 : broken: [\n';
    let message = '';
    try {
      declarativeEntities('bad.yml', text);
    } catch (error) {
      expect(error).toBeInstanceOf(UpgradeError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^input 'declarative-config': bad\.yml: not valid YAML or JSON at line 4, column \d+: /);
    expect(message).not.toContain('Planted-Key-4711');
  });
});

describe('kong.conf and KONG_* variables', () => {
  const conf = { file: 'kong-2.8.conf', settings: parseUserKongConf(fixture('kong-2.8.conf')) };

  it('properties only kong_defaults.lua listed are gone in 3.0, with what it breaks', () => {
    const found = analyzeImpact(base('2.8.4', '3.4.2', { kongConf: conf })).filter((i) => i.rule === 'kong-conf-removed-property');
    expect(found.map((i) => [i.where, i.title])).toEqual([
      ['kong-2.8.conf:7', 'kong.conf sets `client_max_body_size`, which the target no longer has'],
      ['kong-2.8.conf:8', 'kong.conf sets `go_plugins_dir`, which the target no longer has'],
      ['kong-2.8.conf:9', 'kong.conf sets `go_pluginserver_exe`, which the target no longer has'],
      ['kong-2.8.conf:10', 'kong.conf sets `nginx_http_upstream_keepalive`, which the target no longer has'],
      ['kong-2.8.conf:11', 'kong.conf sets `admin_api_uri`, deprecated on the target'],
    ]);
    expect(found[0]!.detail).toContain('the proxy loses this request body limit');
  });

  it('Enterprise: admin_api_uri is deprecated in 3.4; Dev Portal and Vitals end at 3.5', () => {
    const to34 = analyzeImpact(base('2.8.4.0', '3.4.3.5', { kongConf: conf }));
    expect(to34.find((i) => i.where === 'kong-2.8.conf:11')?.title).toBe('kong.conf sets `admin_api_uri`, deprecated on the target');
    expect(to34.filter((i) => i.rule === 'enterprise-removed-feature')).toEqual([]);
    const to310 = analyzeImpact(base('3.4.3.5', '3.10.0.2', { kongConf: conf })).filter((i) => i.rule === 'enterprise-removed-feature');
    expect(to310.map((i) => [i.severity, i.where])).toEqual([
      ['error', 'kong-2.8.conf:12'],
      ['error', 'kong-2.8.conf:14'],
      ['warning', 'kong-2.8.conf:13'],
      ['warning', 'kong-2.8.conf:15'],
    ]);
    // OSS has neither feature: nothing to say.
    expect(analyzeImpact(base('3.4.2', '3.9.3', { kongConf: conf })).filter((i) => i.rule === 'enterprise-removed-feature')).toEqual([]);
  });

  it('Enterprise settings whose removal the Enterprise changelog dates', () => {
    const found = (text: string, from: string, to: string) =>
      analyzeImpact(base(from, to, { kongConf: { file: 'k.conf', settings: parseUserKongConf(text) } })).filter((i) => i.rule === 'kong-conf-removed-property');
    expect(found('data_plane_config_cache_mode = encrypted\n', '2.8.4.0', '3.0.1.0').map((i) => i.where)).toEqual(['k.conf:1']);
    expect(found('declarative_config_encryption_mode = off\n', '3.3.1.0', '3.4.3.5').map((i) => i.where)).toEqual(['k.conf:1']);
    expect(found('declarative_config_encryption_mode = off\n', '3.2.1.0', '3.3.1.0')).toEqual([]);
  });

  it('pg_ssl = on without a way to require TLS is a warning on any hop', () => {
    const [found] = analyzeImpact(base('3.4.2', '3.4.3', { kongConf: conf })).filter((i) => i.rule === 'pg-ssl-plaintext-fallback');
    expect(found).toMatchObject({ severity: 'warning', where: 'kong-2.8.conf:5' });
    expect(found!.detail).toContain('`pg_ssl_verify = on` then checks nothing');
  });

  it('a dotenv file: KONG_* only, quotes and export understood, lines kept', () => {
    const settings = parseKongEnv('kong.env', fixture('kong.env'));
    expect([...settings].map(([name, s]) => [name, s.value, s.line])).toEqual([
      ['database', 'postgres', 2],
      ['pg_host', 'db.internal', 3],
      ['pg_password', 'made-up-env-password', 4],
      ['proxy_access_log', '/dev/stdout', 5],
      ['client_max_body_size', '10m', 6],
    ]);
    const found = analyzeImpact(base('2.8.4', '3.4.2', { kongConf: { file: 'kong.env', settings } })).filter((i) => i.rule === 'kong-conf-removed-property');
    expect(found.map((i) => i.where)).toEqual(['kong.env:6']);
  });

  it('Helm values (env: map), Compose environment and a bad dotenv line', () => {
    const helm = parseKongEnv('values.yaml', fixture('helm-values.yaml'));
    expect([...helm].map(([name, s]) => [name, s.value, s.line])).toEqual([
      ['database', 'off', 5],
      ['declarative_config', '/kong_dbless/kong.yml', 6],
      ['nginx_worker_processes', '2', 7],
      ['pg_password', '', 8],
      ['router_flavor', 'traditional', 13],
    ]);
    // Values that keep the chart's env: nothing to read, said as 0 properties rather than refused.
    expect(parseKongEnv('values.yaml', 'image:\n  tag: "3.4"\nadmin:\n  tls:\n    parameters: []\n').size).toBe(0);
    const compose = parseKongEnv('compose.yaml', fixture('compose.yaml'));
    expect([...compose.keys()]).toEqual(['database', 'declarative_config', 'plugins']);
    expect(() => parseKongEnv('x.env', 'KONG_A=1\nKONG_PG_PASSWORD: Planted-Secret-4711\n')).toThrow(
      "input 'kong-env': x.env: line 2 is not `NAME=value` or a `#` comment; the line is not shown, as it may hold a password",
    );
  });
});

describe('the database connection', () => {
  const supported = { tested: [12, 13, 14, 15, 16], min: 9.5 };

  it('below the tested range is a warning, below 9.5 an error', () => {
    const check = (serverVersion: string) => analyzeImpact(base('3.3.1', '3.4.2', { postgres: { serverVersion, supported } })).filter((i) => i.rule === 'postgres-version');
    expect(check('11.22')).toMatchObject([{ severity: 'warning', title: 'PostgreSQL 11 is below the versions Kong 3.4.2 is tested with' }]);
    expect(check('9.4.26')).toMatchObject([{ severity: 'error' }]);
  });

  it('Kong below 2.7 and a SCRAM server: said when the server is 14+ or unknown', () => {
    const rule = (from: string, serverVersion?: string) =>
      analyzeImpact(base(from, '2.8.5', serverVersion === undefined ? {} : { postgres: { serverVersion, supported } })).filter((i) => i.rule === 'postgres-scram-auth');
    expect(rule('2.3.3', '15.4')).toMatchObject([{ severity: 'warning', where: 'database' }]);
    expect(rule('2.3.3')).toHaveLength(1);
    expect(rule('2.3.3', '13.9')).toEqual([]);
    expect(rule('2.7.0', '15.4')).toEqual([]);
  });
});

describe('nginx templates by kind', () => {
  it('a main template is compared with nginx.lua, and offline still checked for the 3.4 include', () => {
    const custom = fixture('nginx-main.conf');
    expect(templateKind(custom)).toBe('nginx.lua');
    expect(templateKind('server {\n server_name kong;\n}')).toBe('nginx_kong.lua');
    expect(templateKind('server {\n server_name kong_stream;\n}')).toBe('nginx_kong_stream.lua');
    const found = analyzeImpact(base('2.8.4', '3.4.2', { nginxTemplate: { file: 'nginx-main.conf', custom } }));
    expect(found.map((i) => i.title)).toEqual(["The custom main template lacks `include 'nginx-inject.conf';` (Kong 3.4.0's nginx.lua)"]);
    const fixed = `${custom}\ninclude 'nginx-inject.conf';\n`;
    expect(analyzeImpact(base('2.8.4', '3.4.2', { nginxTemplate: { file: 'n', custom: fixed } }))).toEqual([]);
  });
});

describe('nginx template hunks', () => {
  it('a line Kong only moved (pid in 3.x) is not reported as one the custom template must drop', () => {
    const defaults = [{ name: 'nginx.lua', from: 'pid pids/nginx.pid;\nerror_log x;\nevents {}\n', to: 'error_log x;\npid pids/nginx.pid;\nevents {}\ninclude \'nginx-inject.conf\';\n' }];
    const custom = 'pid pids/nginx.pid;\nerror_log x;\nevents {}\n';
    const found = analyzeImpact(base('3.3.0', '3.4.2', { nginxTemplate: { file: 'n', custom, defaults } }));
    expect(found.map((i) => i.detail)).toEqual(["+ include 'nginx-inject.conf';"]);
  });
});

describe('the 3.4 → 3.10 LTS hop', () => {
  it('Redis cluster_addresses in a file is what deck file convert --from 3.4 --to 3.10 rewrites', () => {
    const found = analyzeImpact(base('3.4.3.5', '3.10.0.2', { declarative: declarative('rla-redis-3.4.yaml') }));
    expect(found.map((i) => [i.rule, i.where])).toEqual([['lts-field-renames', 'rla-redis-3.4.yaml:3']]);
    expect(found[0]!.remedy).toContain('deck file convert --from 3.4 --to 3.10');
    expect(analyzeImpact(base('3.4.3.5', '3.8.1.0', { declarative: declarative('rla-redis-3.4.yaml') }))).toEqual([]);
  });
});

describe('the consumer decided from what the plan sees', () => {
  it('impactContext assumes both when nothing is said', () => {
    expect(impactContext(base('2.8.4', '3.4.2')).declarativeConsumers).toEqual(['deck', 'db-less']);
  });
});
