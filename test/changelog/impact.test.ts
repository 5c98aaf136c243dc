import { describe, expect, it } from 'vitest';
import { crossedBreakingChanges, CURATED_BREAKING_CHANGES } from '../../src/changelog/impact/curated-breaking.js';
import { analyzeImpact, type ImpactInput } from '../../src/changelog/impact/index.js';
import { RULE_IDS } from '../../src/changelog/impact/rule-ids.js';
import { unsupportedConstructs } from '../../src/changelog/impact/route-paths.js';
import { parseKongConfDefault, parseUserKongConf } from '../../src/changelog/kong-conf.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { parseKongVersion } from '../../src/version/kong-version.js';

const v = parseKongVersion;
const base = (from: string, to: string, extra: Partial<ImpactInput> = {}): ImpactInput => ({ from: v(from), to: v(to), ...extra });
const conf = (text: string) => ({ file: 'kong.conf', settings: parseUserKongConf(text) });
const rules = (input: ImpactInput) => analyzeImpact(input).map((impact) => impact.rule);
const only = (input: ImpactInput, rule: string) => analyzeImpact(input).filter((impact) => impact.rule === rule);

describe('kong.conf rules', () => {
  it('database = cassandra is an error when reaching 3.4, silent for postgres or below 3.4', () => {
    const [hit] = only(base('2.8.4', '3.4.2', { kongConf: conf('x = 1\ndatabase = cassandra\n') }), 'kong-conf-invalid-value');
    expect(hit).toMatchObject({ severity: 'error', where: 'kong.conf:2' });
    expect(only(base('2.8.4', '3.4.2', { kongConf: conf('database = postgres') }), 'kong-conf-invalid-value')).toEqual([]);
    expect(only(base('2.8.4', '3.3.0', { kongConf: conf('database = cassandra') }), 'kong-conf-invalid-value')).toEqual([]);
  });

  it('pg_ssl_version = tlsv1 is an error from Enterprise 3.2.1.0, tlsv1_2 is fine', () => {
    expect(only(base('2.8.2.4', '3.4.3.5', { kongConf: conf('pg_ssl_version = tlsv1') }), 'kong-conf-invalid-value')).toHaveLength(1);
    expect(only(base('2.8.2.4', '3.1.1.6', { kongConf: conf('pg_ssl_version = tlsv1') }), 'kong-conf-invalid-value')).toEqual([]);
    expect(only(base('2.8.2.4', '3.4.3.5', { kongConf: conf('pg_ssl_version = tlsv1_2') }), 'kong-conf-invalid-value')).toEqual([]);
  });

  it('flags a set property the target removed: curated (cassandra_*) and from the defaults diff', () => {
    const user = conf('cassandra_port = 9042\nold_knob = 1\nlog_level = info');
    const curated = only(base('2.8.0', '3.4.0', { kongConf: user }), 'kong-conf-removed-property');
    expect(curated.map((i) => i.where)).toEqual(['kong.conf:1']);
    const kongConfDefaults = {
      from: parseKongConfDefault('#old_knob = 0\n#log_level = notice\n'),
      to: parseKongConfDefault('#log_level = notice\n'),
    };
    const both = only(base('2.8.0', '3.4.0', { kongConf: user, kongConfDefaults }), 'kong-conf-removed-property');
    expect(both.map((i) => i.where)).toEqual(['kong.conf:1', 'kong.conf:2']);
    expect(only(base('2.8.0', '3.3.0', { kongConf: conf('cassandra_port = 9042') }), 'kong-conf-removed-property')).toEqual([]);
  });

  it('warns about worker_consistency only when kong.conf relies on the default', () => {
    const relying = only(base('2.8.0', '3.0.0', { kongConf: conf('log_level = info') }), 'kong-conf-default-changed');
    expect(relying.map((i) => i.title).join('\n')).toMatch(/worker_consistency/);
    const pinned = only(base('2.8.0', '3.0.0', { kongConf: conf('worker_consistency = strict') }), 'kong-conf-default-changed');
    expect(pinned.map((i) => i.title).join('\n')).not.toMatch(/worker_consistency/);
    expect(only(base('3.0.0', '3.4.0', { kongConf: conf('log_level = info') }), 'kong-conf-default-changed')).toEqual([]);
  });

  it('takes changed defaults from the kong.conf.default diff when given', () => {
    const kongConfDefaults = { from: parseKongConfDefault('#mem_cache_size = 128m\n'), to: parseKongConfDefault('#mem_cache_size = 256m\n') };
    const found = only(base('3.4.0', '3.5.0', { kongConf: conf('log_level = info'), kongConfDefaults }), 'kong-conf-default-changed');
    expect(found.map((i) => i.title)).toEqual([expect.stringMatching(/mem_cache_size/)]);
  });

  it('notes router_flavor on 2.x → 3.x unless kong.conf sets it', () => {
    expect(rules(base('2.8.0', '3.4.0', { kongConf: conf('log_level = info') }))).toContain('router-flavor');
    expect(rules(base('2.8.0', '3.4.0', { kongConf: conf('router_flavor = traditional') }))).not.toContain('router-flavor');
  });
});

describe('plugin-changes', () => {
  const inventory = (name: string, config: Record<string, unknown>) => ({
    adminApi: { routes: [], services: [], plugins: [{ id: 'p1', name, config }] },
  });

  it('flags blacklist/whitelist, functions and proxy_scheme; silent for deny/allow and access', () => {
    expect(only(base('2.8.0', '3.4.0', inventory('ip-restriction', { blacklist: ['10.0.0.1'] })), 'plugin-changes')).toHaveLength(1);
    expect(only(base('2.8.0', '3.4.0', inventory('ip-restriction', { deny: ['10.0.0.1'], blacklist: null })), 'plugin-changes')).toEqual([]);
    expect(only(base('2.8.0', '3.4.0', inventory('pre-function', { functions: ['return'] })), 'plugin-changes')).toHaveLength(1);
    expect(only(base('2.8.0', '3.4.0', inventory('pre-function', { access: ['return'], functions: [] })), 'plugin-changes')).toEqual([]);
    expect(only(base('2.8.0', '3.4.0', inventory('aws-lambda', { aws_region: 'eu-west-1', proxy_scheme: 'https' })), 'plugin-changes')).toHaveLength(1);
    expect(only(base('2.8.0', '3.4.0', inventory('aws-lambda', { aws_region: 'eu-west-1' })), 'plugin-changes')).toEqual([]);
    expect(only(base('2.8.0', '3.4.0', inventory('aws-lambda', {})), 'plugin-changes')).toHaveLength(1);
  });

  it('warns about prometheus and statsd metric renames only when crossing 3.0', () => {
    expect(only(base('2.8.0', '3.0.0', inventory('prometheus', {})), 'plugin-changes')).toMatchObject([{ severity: 'warning' }]);
    expect(only(base('2.8.0', '3.0.0', inventory('statsd', {})), 'plugin-changes')).toHaveLength(1);
    expect(only(base('3.0.0', '3.4.0', inventory('prometheus', {})), 'plugin-changes')).toEqual([]);
    expect(only(base('2.8.0', '3.0.0', inventory('cors', {})), 'plugin-changes')).toEqual([]);
  });

  it('removed fields in a declarative file are errors, with file:line', () => {
    const text = ['_format_version: "1.1"', 'plugins:', '- name: acl', '  config:', '    whitelist: [admins]'].join('\n');
    const found = only(base('2.8.0', '3.4.0', { declarative: [{ file: 'kong.yaml', text }] }), 'plugin-changes');
    expect(found).toMatchObject([{ severity: 'error', where: 'kong.yaml:3' }]);
  });
});

describe('route regex rules', () => {
  it('the scanner finds what the Rust engine rejects and ignores escapes and classes', () => {
    expect(unsupportedConstructs('/api/(?!internal)')).toEqual(['look-ahead']);
    expect(unsupportedConstructs('/(?<=v)1')).toEqual(['look-behind']);
    expect(unsupportedConstructs('/(a)/\\1')).toEqual(['backreference']);
    expect(unsupportedConstructs('/(?>ab)')).toEqual(['atomic group']);
    expect(unsupportedConstructs('/a++')).toEqual(['possessive quantifier']);
    expect(unsupportedConstructs('/a{2}+')).toEqual(['possessive quantifier']);
    expect(unsupportedConstructs('/users/(?<id>\\d+)/\\\\1[(?=]')).toEqual([]);
    expect(unsupportedConstructs('/v[0-9]+/(?:a|b)?')).toEqual([]);
  });

  const adminRoutes = (paths: string[]) => ({ adminApi: { routes: [{ id: 'r1', name: 'orders', paths }], services: [], plugins: [] } });

  it('Admin API routes: only the engine rule applies (the migration adds `~`)', () => {
    const found = analyzeImpact(base('2.8.0', '3.4.0', adminRoutes(['/orders/(?!internal).*', '/plain/v1.0'])));
    expect(found.map((i) => i.rule)).toEqual(['route-regex-engine']);
    expect(found[0]).toMatchObject({ severity: 'error', where: 'route orders' });
    expect(rules(base('2.8.0', '3.4.0', adminRoutes(['/orders/\\d+', '/plain'])))).toEqual([]);
    expect(rules(base('3.0.0', '3.4.0', adminRoutes(['~/orders/(?!internal)'])))).toEqual([]);
  });

  it('router_flavor = traditional turns the engine finding into a warning', () => {
    const found = only(base('2.8.0', '3.4.0', { ...adminRoutes(['/x(?=y)']), kongConf: conf('router_flavor = traditional') }), 'route-regex-engine');
    expect(found).toMatchObject([{ severity: 'warning' }]);
  });

  const declarative = [
    '_format_version: "1.1"',
    'services:',
    '- name: orders',
    '  url: http://orders',
    '  routes:',
    '  - name: nested',
    '    paths:',
    '    - /orders/\\d+',
    '    - /orders',
    'routes:',
    '- name: top',
    '  paths:',
    '  - ~/ok/\\d+',
    '  - /top/(?<=x)y',
  ].join('\n');

  it('decK: the old-format file is refused as a whole; top-level regex paths may survive its convert', () => {
    const found = analyzeImpact(base('2.8.0', '3.4.0', { declarative: [{ file: 'kong.yaml', text: declarative }], declarativeConsumers: ['deck'] }));
    expect(found.map((i) => [i.rule, i.severity, i.where])).toEqual([
      ['declarative-format-version', 'error', 'kong.yaml'],
      ['route-regex-engine', 'error', 'kong.yaml:14'],
      ['route-regex-prefix', 'warning', 'kong.yaml:14'],
    ]);
    expect(found[0]?.remedy).toContain('deck file convert --from 2.8 --to 3.4 --input-file kong.yaml --output-file kong-3.x.yaml');
    expect(found[2]?.title).toMatch(/Top-level route/);
  });

  it('Kong DB-less: converts on load; each regex path is reported as what Kong makes of it', () => {
    const found = analyzeImpact(base('2.8.0', '3.4.0', { declarative: [{ file: 'kong.yaml', text: declarative }], declarativeConsumers: ['db-less'] }));
    expect(found.map((i) => [i.rule, i.severity, i.where])).toEqual([
      ['route-regex-engine', 'error', 'kong.yaml:14'],
      ['route-regex-prefix', 'warning', 'kong.yaml:8'],
      ['route-regex-prefix', 'warning', 'kong.yaml:14'],
    ]);
    expect(found[1]?.title).toContain('"~/orders/\\d+"');
  });

  it('both consumers when the plan cannot tell, each finding labelled', () => {
    const found = analyzeImpact(base('2.8.0', '3.4.0', { declarative: [{ file: 'kong.yaml', text: declarative }] }));
    expect(found.filter((i) => i.rule === 'route-regex-prefix').map((i) => i.title.replace(/.*\((if [^)]*)\)$/, '$1'))).toEqual([
      'if decK syncs this file',
      'if Kong loads this file DB-less',
      'if Kong loads this file DB-less',
    ]);
  });

  it('reads JSON declarative files too, and stays silent on a clean 3.0 file', () => {
    const json = JSON.stringify({ _format_version: '3.0', routes: [{ name: 'r', paths: ['~/a/\\d+', '/b'] }] });
    expect(rules(base('2.8.0', '3.4.0', { declarative: [{ file: 'kong.json', text: json }] }))).toEqual([]);
  });

  it("a broken declarative file is an input error", () => {
    expect(() => analyzeImpact(base('2.8.0', '3.4.0', { declarative: [{ file: 'k.yaml', text: 'routes: [\n' }] }))).toThrow(UpgradeError);
  });
});

describe('secure-by-default (3.14)', () => {
  const text = ['_format_version: "3.0"', 'services:', '- name: s', '  url: https://s', '  routes:', '  - name: r', '    paths: [/a]', '  plugins:', '  - name: key-auth'].join('\n');
  const pinned = [
    '_format_version: "3.0"',
    'services:',
    '- name: s',
    '  url: https://s',
    '  tls_verify: false',
    '  routes:',
    '  - name: r',
    '    protocols: [http, https]',
    '    paths: [/a]',
    '  plugins:',
    '  - name: key-auth',
    '    config: {hide_credentials: false}',
  ].join('\n');

  it('flags omitted fields whose default changes, not pinned ones, and only when crossing 3.14', () => {
    expect(only(base('3.10.0.3', '3.14.0.1', { declarative: [{ file: 'k.yaml', text }] }), 'secure-by-default')).toHaveLength(3);
    expect(only(base('3.10.0.3', '3.14.0.1', { declarative: [{ file: 'k.yaml', text: pinned }] }), 'secure-by-default')).toEqual([]);
    expect(only(base('3.4.0', '3.10.0.3', { declarative: [{ file: 'k.yaml', text }] }), 'secure-by-default')).toEqual([]);
  });
});

describe('postgres-version', () => {
  const supported = { tested: [12, 13, 14, 15, 16], min: 9.5 };
  const check = (serverVersion: string) => only(base('2.8.0', '3.4.0', { postgres: { serverVersion, supported } }), 'postgres-version');

  it('below the minimum is an error, outside the tested list a warning, tested is silent', () => {
    expect(check('9.4.26')).toMatchObject([{ severity: 'error' }]);
    expect(check('9.6.24')).toMatchObject([{ severity: 'warning' }]);
    expect(check('17.2')).toMatchObject([{ severity: 'warning' }]);
    expect(check('15.18 (Debian 15.18-1.pgdg120+1)')).toEqual([]);
  });
});

describe('nginx-template', () => {
  const defaultFrom = ['http {', '    lua_package_path "${{LUA_PACKAGE_PATH}}";', '    old_directive on;', '}'].join('\n');
  const defaultTo = ['http {', '    lua_package_path "${{LUA_PACKAGE_PATH}}";', '    new_directive on;', '}'].join('\n');

  it('reports a changed hunk the custom template does not have, at the custom line', () => {
    const custom = ['# mine', 'http {', '  lua_package_path "${{LUA_PACKAGE_PATH}}";', '  old_directive on;', '  my_thing on;', '}'].join('\n');
    const found = only(base('3.4.0', '3.9.3', { nginxTemplate: { file: 'nginx-kong.conf', custom, defaults: [{ name: 'nginx_kong.lua', from: defaultFrom, to: defaultTo }] } }), 'nginx-template');
    expect(found).toHaveLength(1);
    expect(found[0]?.detail).toBe('- old_directive on;\n+ new_directive on;');
    expect(found[0]?.where).toBe('nginx-kong.conf:4');
  });

  it('stays silent once the custom template carries the change', () => {
    const custom = ['http {', '  lua_package_path "${{LUA_PACKAGE_PATH}}";', '  new_directive on;', '  my_thing on;', '}'].join('\n');
    expect(only(base('3.4.0', '3.9.3', { nginxTemplate: { file: 'n', custom, defaults: [{ name: 'nginx_kong.lua', from: defaultFrom, to: defaultTo }] } }), 'nginx-template')).toEqual([]);
  });
});

describe('curated breaking changes', () => {
  it('each names an existing rule', () => {
    for (const change of CURATED_BREAKING_CHANGES) expect(RULE_IDS).toContain(change.detectedBy);
  });

  it('selects the changes an upgrade crosses', () => {
    const ids = (from: string, to: string) => crossedBreakingChanges(v(from), v(to)).map((change) => change.id);
    expect(ids('2.8.5', '3.4.2')).toEqual(expect.arrayContaining(['regex-path-prefix', 'regex-engine', 'cassandra-removed']));
    expect(ids('2.8.5', '3.4.2')).not.toContain('status-listen-default');
    expect(ids('3.4.2', '3.9.3')).toEqual(['status-listen-default']);
    // Enterprise 3.2.1.0 constrained pg_ssl_version (its changelog); nothing else between 3.0 and 3.3.
    expect(ids('3.0.0', '3.3.0')).toEqual(['pg-ssl-version-tlsv1']);
    expect(ids('3.0.0.0', '3.2.0.0')).toEqual([]);
    expect(ids('3.10.0.3', '3.14.0.1')).toEqual(['secure-by-default']);
  });
});
