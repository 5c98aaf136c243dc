import { beforeAll, describe, expect, it } from 'vitest';
import { builtInKongConfDefaults, KONG_CONF_DEFAULTS_BY_TAG } from '../../src/changelog/kong-conf-builtin.js';
import { diffKongConf, parseKongConfDefault, parseUserKongConf } from '../../src/changelog/kong-conf.js';
import { UpgradeError } from '../../src/lib/errors.js';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { KONG_DATA_FILES, describeWithKongData, itWithKongData, kongDataText } from '../helpers/kong-data.js';

const PREFIX = 'kong-conf/kong.conf.default-';
/** Kong/kong's kong.conf.default at every tag the data manifest pins. */
const CONF_FILES = KONG_DATA_FILES.filter((file) => file.startsWith(PREFIX));
const defaultsOf = (tag: string) => parseKongConfDefault(kongDataText(PREFIX + tag));

describeWithKongData(CONF_FILES, 'parseKongConfDefault on the real files', () => {
  // Key counts from facts changelog-and-admin-api.md §A.4 (2.8.0 = 135, 3.4.0 = 160).
  it.each([
    ['2.8.0', 135],
    ['3.4.0', 160],
  ])('%s has %i properties', (tag, count) => {
    expect(defaultsOf(tag).size).toBe(count);
  });

  it('reads values without their descriptions, and empty defaults as empty', () => {
    const defaults = defaultsOf('3.4.0');
    expect(defaults.get('prefix')).toBe('/usr/local/kong/');
    expect(defaults.get('proxy_stream_access_log')).toBe('logs/access.log basic');
    expect(defaults.get('node_id')).toBe('');
    expect(defaults.get('worker_consistency')).toBe('eventual');
    expect(defaults.get('admin_gui_listen')).toBe('0.0.0.0:8002, 0.0.0.0:8445 ssl');
    for (const tag of ['1.5.1', '2.8.0', '3.4.0', '3.9.3']) {
      expect([...defaultsOf(tag).values()].filter((value) => value.includes('#'))).toEqual([]);
    }
  });
});

describeWithKongData(CONF_FILES, 'diffKongConf 2.8.0 → 3.4.0 (facts §A.4)', () => {
  let diff: ReturnType<typeof diffKongConf>;
  beforeAll(() => {
    diff = diffKongConf(defaultsOf('2.8.0'), defaultsOf('3.4.0'));
  });

  it('removes exactly the 17 cassandra_* properties', () => {
    const removed = diff.removed.map((entry) => entry.name);
    expect(removed).toHaveLength(17);
    expect(removed.every((name) => name.startsWith('cassandra_'))).toBe(true);
    expect(diff.removed).toContainEqual({ name: 'cassandra_contact_points', default: '127.0.0.1' });
  });

  it('adds the 42 listed properties, router_flavor among them', () => {
    const listed =
      'admin_gui_access_log admin_gui_api_url admin_gui_error_log admin_gui_listen admin_gui_path admin_gui_ssl_cert ' +
      'admin_gui_ssl_cert_key admin_gui_url allow_debug_header cluster_dp_labels cluster_use_proxy error_template_html ' +
      'error_template_json error_template_plain error_template_xml lmdb_environment_path lmdb_map_size lua_max_post_args ' +
      'lua_max_req_headers lua_max_resp_headers lua_max_uri_args nginx_http_charset nginx_http_lua_regex_cache_max_entries ' +
      'node_id openresty_path opentelemetry_tracing opentelemetry_tracing_sampling_rate pg_backlog pg_keepalive_timeout ' +
      'pg_pool_size pg_ro_backlog pg_ro_keepalive_timeout pg_ro_pool_size proxy_server proxy_server_ssl_verify router_flavor ' +
      'ssl_session_cache_size tracing_instrumentations tracing_sampling_rate vault_env_prefix wasm wasm_filters_path';
    expect(diff.added.map((entry) => entry.name).sort()).toEqual(listed.split(' ').sort());
    expect(diff.added).toContainEqual({ name: 'router_flavor', default: 'traditional_compatible' });
    expect(diff.added).toContainEqual({ name: 'wasm', default: 'off' });
  });

  it('changes exactly the four listed defaults', () => {
    expect(diff.defaultChanged).toEqual([
      { name: 'vaults', from: 'off', to: 'bundled' },
      { name: 'cluster_max_payload', from: '4194304', to: '16777216' },
      { name: 'worker_consistency', from: 'strict', to: 'eventual' },
      { name: 'lua_ssl_trusted_certificate', from: '', to: 'system' },
    ]);
  });

  it('sees status_listen turn on by 3.9.3 (3.6.0, Kong/kong#12304)', () => {
    expect(diffKongConf(defaultsOf('3.4.2'), defaultsOf('3.9.3')).defaultChanged).toContainEqual({
      name: 'status_listen',
      from: 'off',
      to: '127.0.0.1:8007 reuseport backlog=16384',
    });
  });
});

describe('parseUserKongConf', () => {
  it('reads settings as Kong does: comments, blank lines, inline comments, \\# escapes', () => {
    const conf = parseUserKongConf(
      [
        '# my kong.conf',
        '',
        'database = postgres   # the datastore',
        '  pg_password = se\\#cret#trailing',
        'log_level=debug',
        'node_id =',
        'database = off',
      ].join('\n'),
    );
    expect(conf.get('database')).toEqual({ value: 'off', line: 7 });
    expect(conf.get('pg_password')).toEqual({ value: 'se#cret', line: 4 });
    expect(conf.get('log_level')?.value).toBe('debug');
    expect(conf.get('node_id')?.value).toBe('');
    expect([...conf.keys()].sort()).toEqual(['database', 'log_level', 'node_id', 'pg_password']);
  });

  it("rejects a line that is not key = value, naming input 'kong-conf' and the line", () => {
    const read = () => parseUserKongConf('database = postgres\n\npg_host 10.0.0.1\n');
    expect(read).toThrow(UpgradeError);
    expect(read).toThrow(/^input 'kong-conf': line 3 is not `key = value`.*\(it begins "pg_host"\)/);
    // A mistyped secret line is named, never printed: the conf is parsed before masking.
    expect(() => parseUserKongConf('pg_password: hunter2\n')).toThrow(/line 1 .*begins "pg_password"/);
    expect(() => parseUserKongConf('pg_password: hunter2\n')).not.toThrow(/hunter2/);
    try {
      read();
    } catch (error) {
      expect((error as UpgradeError).origin).toEqual({ input: 'kong-conf' });
    }
  });
});

describe('built-in kong.conf defaults', () => {
  itWithKongData(CONF_FILES, 'equal a fresh parse of every pinned kong.conf.default (cannot drift)', () => {
    const tags = CONF_FILES.map((file) => file.slice(PREFIX.length));
    expect([...KONG_CONF_DEFAULTS_BY_TAG.keys()].sort()).toEqual(tags.sort());
    for (const tag of tags) {
      expect([...KONG_CONF_DEFAULTS_BY_TAG.get(tag)!], tag).toEqual([...defaultsOf(tag)]);
    }
  });

  it('uses the exact tag when known', () => {
    const result = builtInKongConfDefaults(parseKongVersion('3.4.0'));
    expect(result).toMatchObject({ kind: 'available', tag: '3.4.0', match: 'exact' });
    expect(result.kind === 'available' && result.defaults.get('router_flavor')).toBe('traditional_compatible');
  });

  it('falls back to the nearest tag below within the same line, and says so', () => {
    expect(builtInKongConfDefaults(parseKongVersion('3.4.1'))).toMatchObject({ tag: '3.4.0', match: 'nearest-below' });
    expect(builtInKongConfDefaults(parseKongVersion('3.4.7'))).toMatchObject({ tag: '3.4.2', match: 'nearest-below' });
    expect(builtInKongConfDefaults(parseKongVersion('2.8.5'))).toMatchObject({ tag: '2.8.0', match: 'nearest-below' });
  });

  it('is not available across lines, below the first tag of a line, or for Enterprise', () => {
    for (const version of ['3.5.0', '3.4.0-rc.1', '3.10.0']) {
      expect(builtInKongConfDefaults(parseKongVersion(version)), version).toMatchObject({ kind: 'not-available' });
    }
    const enterprise = builtInKongConfDefaults(parseKongVersion('3.4.3.5'));
    expect(enterprise.kind).toBe('not-available');
    expect(enterprise.kind === 'not-available' && enterprise.reason).toMatch(/Enterprise/);
  });
});
