// Which migrations a given Kong version ships, in Kong's order.
// Sources: /work/shared/kong-facts/migrations-cli.md §4.1 (core, "first tag"), §4.2 and
// plugin-migrations.txt (bundled plugins); order inside a subsystem is the order of
// kong/db/migrations/core/init.lua and kong/plugins/<p>/migrations/init.lua.

/**
 * @typedef {object} Migration
 * @property {string} name
 * @property {string} since    first release tag that ships it
 * @property {boolean} teardown  has a Postgres `teardown` (becomes "pending" after `up`)
 * @property {boolean} [kept]  a 0.14 → 1.0 step name that 2.0 did not remove from this subsystem
 */

/** @typedef {{ subsystem: string, namespace: string, migrations: Migration[] }} Subsystem */

/** @param {string} name @param {string} since @param {boolean} [teardown] @returns {Migration} */
const m = (name, since, teardown = false) => ({ name, since, teardown });

/** kong/db/migrations/core/init.lua; facts §4.1. */
export const CORE = [
  // 001_14_to_15 and 002_15_to_1 existed only in 1.0.0–1.5.x (removed in 2.0.0), facts §4.1.
  m('000_base', '1.0.0'),
  m('001_14_to_15', '1.0.0'),
  m('002_15_to_1', '1.0.0'),
  m('003_100_to_110', '1.1.0'),
  m('004_110_to_120', '1.2.0'),
  m('005_120_to_130', '1.3.0', true),
  m('006_130_to_140', '1.4.0'),
  m('007_140_to_150', '1.5.0'),
  m('008_150_to_200', '2.0.0', true),
  m('009_200_to_210', '2.1.0', true),
  m('010_210_to_211', '2.1.1'),
  m('011_212_to_213', '2.1.3'),
  m('012_213_to_220', '2.2.0', true),
  m('013_220_to_230', '2.3.0'),
  m('014_230_to_270', '2.7.0'),
  m('015_270_to_280', '2.8.0'),
  m('016_280_to_300', '3.0.0', true),
  m('017_300_to_310', '3.1.0'),
  m('018_310_to_320', '3.2.0'),
  m('019_320_to_330', '3.3.0'),
  m('020_330_to_340', '3.4.0'),
  m('021_340_to_350', '3.5.0'),
  m('022_350_to_360', '3.6.0'),
  m('023_360_to_370', '3.7.0'),
  m('024_380_to_390', '3.9.0'),
  // On master only (meta.lua 3.10.0), untagged: facts §4.1.
  m('025_390_to_3100', '3.10.0'),
];
/**
 * Kong Enterprise's core line differs from OSS's from 2.6 to 2.8: 014_230_to_260 and
 * 015_260_to_270 where OSS has 014_230_to_270, and 016_270_to_280 where OSS has 015_270_to_280;
 * 3.x Enterprise then runs 016_280_to_300 after its 016_270_to_280. Seen in the schema_meta rows
 * of a public Enterprise 2.8 pg_dump (RubenPascual/GTIO-Ganador@adab935
 * Cats-Dogs/Database/sql/kong_start/dump_kong_db.sql) and in Enterprise 3.2 bootstraps
 * (Kong/docker-kong#633, Kong/kong#10856: core 000_base … 014_230_to_260, 015_260_to_270,
 * 016_270_to_280, 016_280_to_300, 017_300_to_310, 018_310_to_320). The first Enterprise release of
 * each name is inferred from the name (UNVERIFIED); after 3.2 Enterprise is taken to follow OSS's
 * core names (UNVERIFIED: no paste).
 */
const ENTERPRISE_CORE = CORE.flatMap((mig) => {
  if (mig.name === '014_230_to_270') return [m('014_230_to_260', '2.6.0'), m('015_260_to_270', '2.7.0')];
  if (mig.name === '015_270_to_280') return [m('016_270_to_280', '2.8.0')];
  return [mig];
});

/**
 * Migrations dropped from init.lua in 2.0.0: core's and the bundled plugins' 0.14 → 1.0 steps
 * (kong/plugins/<p>/migrations/init.lua at 1.5.1 lists them; at 2.0.0 the files are gone).
 */
const REMOVED_IN_2 = new Set(['001_14_to_15', '002_15_to_1', '002_15_to_10']);

/**
 * Bundled plugins with migrations; facts §4.2 and plugin-migrations.txt. The third argument marks
 * a Postgres teardown, read from kong/plugins/<p>/migrations/*.lua at each tag 1.0.0–3.9.3 (a
 * teardown only in the `cassandra` half, as oauth2 005_210_to_211 has, does not count).
 */
export const PLUGINS = /** @type {Record<string, Migration[]>} */ ({
  acl: [m('000_base_acl', '1.0.0'), m('001_14_to_15', '1.0.0', true), m('002_130_to_140', '1.4.0'), m('003_200_to_210', '2.1.0', true), m('004_212_to_213', '2.1.3', true)],
  acme: [m('000_base_acme', '2.6.0'), m('001_280_to_300', '3.0.0'), m('002_320_to_330', '3.3.0'), m('003_350_to_360', '3.6.0', true)],
  'ai-proxy': [m('001_360_to_370', '3.7.0', true)],
  // 003_200_to_210 of basic-auth, hmac-auth, jwt and key-auth is operations/200_to_210.lua's
  // ws_migrate_plugin, whose Postgres half has a teardown (ws_adjust_data): observed on Kong 2.8.5
  // built here, schema_meta.pending is '{}' after bootstrap, not NULL.
  'basic-auth': [m('000_base_basic_auth', '1.0.0'), m('001_14_to_15', '1.0.0'), m('002_130_to_140', '1.4.0'), m('003_200_to_210', '2.1.0', true)],
  'bot-detection': [m('001_200_to_210', '2.1.0', true)],
  'hmac-auth': [m('000_base_hmac_auth', '1.0.0'), m('001_14_to_15', '1.0.0'), m('002_130_to_140', '1.4.0'), m('003_200_to_210', '2.1.0', true)],
  'http-log': [m('001_280_to_300', '3.0.0', true)],
  'ip-restriction': [m('001_200_to_210', '2.1.0', true)],
  jwt: [m('000_base_jwt', '1.0.0'), m('001_14_to_15', '1.0.0'), m('002_130_to_140', '1.4.0'), m('003_200_to_210', '2.1.0', true)],
  'key-auth': [m('000_base_key_auth', '1.0.0'), m('001_14_to_15', '1.0.0'), m('002_130_to_140', '1.4.0'), m('003_200_to_210', '2.1.0', true), m('004_320_to_330', '3.3.0')],
  oauth2: [m('000_base_oauth2', '1.0.0'), m('001_14_to_15', '1.0.0', true), m('002_15_to_10', '1.0.0', true), m('003_130_to_140', '1.4.0'), m('004_200_to_210', '2.1.0', true), m('005_210_to_211', '2.1.1'), m('006_320_to_330', '3.3.0'), m('007_320_to_330', '3.3.0')],
  // First OSS tag 3.6.1; also on release/3.3.x–3.5.x branches after their last OSS tag, so
  // Enterprise 3.3–3.5 builds may ship it: UNVERIFIED, not simulated (EE follows the OSS tag).
  opentelemetry: [m('001_331_to_332', '3.6.1', true)],
  // Both are pre-function/migrations/_001_280_to_300.lua (tags 3.0.0–3.9.3): an up_f that copies
  // `functions` to `access` and a teardown that drops `functions`. Observed on Kong 3.4.2 built
  // here: `up` leaves both pending and `finish` runs them (4 migrations with core and http-log).
  'post-function': [m('001_280_to_300', '3.0.0', true)],
  'pre-function': [m('001_280_to_300', '3.0.0', true)],
  'rate-limiting': [m('000_base_rate_limiting', '1.0.0'), m('001_14_to_15', '1.0.0', true), m('002_15_to_10', '1.0.0', true), m('003_10_to_112', '1.1.2'), m('004_200_to_210', '2.1.0'), m('005_320_to_330', '3.3.0'), m('006_350_to_360', '3.6.0', true)],
  'response-ratelimiting': [m('000_base_response_rate_limiting', '1.0.0'), m('001_14_to_15', '1.0.0', true), m('002_15_to_10', '1.0.0', true), m('001_350_to_360', '3.6.0', true)],
  session: [m('000_base_session', '1.0.0'), m('001_add_ttl_index', '2.6.0'), m('002_320_to_330', '3.3.0'), m('003_330_to_3100', '3.10.0')],
});

/**
 * What Kong Enterprise adds to the migrations, as far as public output shows it (Kong
 * Enterprise's source is not public). Names and their order: the Enterprise 2.8 pg_dump's
 * schema_meta rows and the Enterprise 3.2 bootstrap pastes cited at ENTERPRISE_CORE; the
 * `enterprise` subsystem's names after 016_3100_to_3200 are from a public copy of Enterprise's
 * kong/enterprise_edition/db/migrations/enterprise/init.lua (FrSanchez/luajit-decompiler@5a0c02a),
 * seen in no paste. The first release of each name is inferred from the name (UNVERIFIED).
 * Teardowns: the dump's `pending` is '{}' (some migration of the subsystem had a teardown) for
 * every subsystem below but degraphql, graphql-rate-limiting-advanced, jwt-signer and vault-auth
 * (NULL). Where a subsystem has one migration that is the one; where it has several, the 2.1
 * workspace migration (`*_200_to_210`, `001_1500_to_2100`, as OSS's ws_migrate_plugin) is taken
 * (UNVERIFIED); for `enterprise` itself which one is not known, so none is marked: a simulated
 * Enterprise bootstrap leaves its pending NULL where the real one leaves '{}'.
 * Later Enterprise plugin migrations (3.x) are not known and not simulated.
 */
export const ENTERPRISE_SUBSYSTEMS = /** @type {Record<string, Migration[]>} */ ({
  enterprise: [
    m('000_base', '1.5.0'), m('006_1301_to_1500', '1.5.0'), m('006_1301_to_1302', '1.5.0'),
    // Enterprise's order, not the names': "010 must be ran before 007" (the init.lua copy).
    m('010_1500_to_2100', '2.1.0'), m('007_1500_to_1504', '2.1.0'), m('008_1504_to_1505', '2.1.0'), m('007_1500_to_2100', '2.1.0'), m('009_1506_to_1507', '2.1.0'),
    m('009_2100_to_2200', '2.2.0'), m('010_2200_to_2211', '2.2.1'), m('010_2200_to_2300', '2.3.0'), m('010_2200_to_2300_1', '2.3.0'),
    m('011_2300_to_2600', '2.6.0'), m('012_2600_to_2700', '2.7.0'), m('012_2600_to_2700_1', '2.7.0'), m('013_2700_to_2800', '2.8.0'),
    m('014_2800_to_3000', '3.0.0'), m('015_3000_to_3100', '3.1.0'), m('016_3100_to_3200', '3.2.0'),
    m('017_3200_to_3300', '3.3.0'), m('018_3300_to_3400', '3.4.0'), m('019_3500_to_3600', '3.6.0'),
  ],
  ...Object.fromEntries(
    ['acl', 'basic-auth', 'hmac-auth', 'jwt', 'key-auth', 'key-auth-enc', 'request-transformer-advanced', 'response-transformer-advanced'].map((plugin) => [`enterprise.${plugin}`, [m('001_1500_to_2100', '2.1.0', true)]]),
  ),
  'enterprise.mtls-auth': [m('001_1500_to_2100', '2.1.0', true), m('002_2200_to_2300', '2.3.0')],
  'enterprise.oauth2': [m('001_1500_to_2100', '2.1.0', true), m('002_2200_to_2211', '2.2.1')],
});

/** Enterprise plugins with migrations, loaded with `plugins = bundled` on an Enterprise version (same sources as above). */
export const ENTERPRISE_PLUGINS = /** @type {Record<string, Migration[]>} */ ({
  canary: [m('001_200_to_210', '2.1.0', true)],
  degraphql: [m('000_base', '1.5.0')],
  'graphql-rate-limiting-advanced': [m('000_base_gql_rate_limiting', '1.5.0')],
  'jwt-signer': [m('000_base_jwt_signer', '1.5.0'), m('001_200_to_210', '2.1.0')],
  'key-auth-enc': [m('000_base_key_auth_enc', '1.5.0'), m('001_200_to_210', '2.1.0', true)],
  'mtls-auth': [m('000_base_mtls_auth', '1.5.0'), m('001_200_to_210', '2.1.0', true), m('002_2200_to_2300', '2.3.0')],
  // Unlike OSS's 001_14_to_15 steps (REMOVED_IN_2), openid-connect's is still run by 2.8 (the dump).
  'openid-connect': [m('000_base_openid_connect', '1.5.0'), { ...m('001_14_to_15', '1.5.0'), kept: true }, m('002_200_to_210', '2.1.0', true)],
  'proxy-cache-advanced': [m('001_035_to_050', '1.5.0', true)],
  'vault-auth': [m('000_base_vault_auth', '1.5.0')],
});

/**
 * Parses "3.9.3", "2.8.5", Enterprise "3.4.3.5" (4 parts), tolerating a suffix ("3.10.0-rc.1").
 * @param {string} v
 * @returns {{ parts: number[], enterprise: boolean, text: string }}
 */
export function parseVersion(v) {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  if (!match) throw new Error(`KONG_SIM_VERSION: not a Kong version: '${v}'`);
  const parts = match.slice(1, 5).filter((x) => x !== undefined).map(Number);
  return { parts, enterprise: parts.length === 4, text: v.trim() };
}

/** Compares the x.y.z of two versions (Enterprise's 4th part counts only against another 4-part). */
export function cmp(/** @type {string} */ a, /** @type {string} */ b) {
  const pa = parseVersion(a).parts;
  const pb = parseVersion(b).parts;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** @param {string} version @param {string} min */
export const atLeast = (version, min) => cmp(version, min) >= 0;

/** @param {string} version @param {Migration} mig */
function ships(version, mig) {
  if (!atLeast(version, mig.since)) return false;
  return !(REMOVED_IN_2.has(mig.name) && !mig.kept && atLeast(version, '2.0.0'));
}

/**
 * Plugin names from the `plugins` property (kong/conf_loader: "bundled" expands to the bundled
 * set, "off" means none, other names are custom plugins).
 * @param {string} pluginsConf e.g. "bundled", "bundled,my-plugin", "key-auth,acl", "off"
 * @param {string} version
 * @returns {string[]}
 */
export function loadedPlugins(pluginsConf, version) {
  const names = new Set();
  for (const raw of pluginsConf.split(',')) {
    const name = raw.trim();
    if (!name || name === 'off') continue;
    if (name === 'bundled') {
      const enterprise = parseVersion(version).enterprise;
      const bundled = enterprise ? undefined : pre24Order(version);
      for (const [plugin, migs] of Object.entries(enterprise ? { ...PLUGINS, ...ENTERPRISE_PLUGINS } : PLUGINS)) {
        if (bundled !== undefined && !bundled.includes(plugin)) continue;
        if (migs.some((mig) => ships(version, mig))) names.add(plugin);
      }
    } else {
      names.add(name);
    }
  }
  return [...names];
}

/**
 * Before 2.4.0, kong/db/migrations/state.lua load_subsystems walked the plugins with
 * `for plugin_name in pairs(plugin_names)` (1.0.0 l.97, 2.3.4 l.61; 2.4.0 l.56-60 sorts them):
 * LuaJIT's hash order of conf.loaded_plugins, which conf_loader builds as
 * tablex.merge(constants.BUNDLED_PLUGINS, {}, true) for `plugins = bundled`. That order depends
 * on each tag's bundled list, so it is data: computed with LuaJIT 2.1 (OpenResty's branch) over
 * kong/constants.lua at every tag 1.0.0-2.3.4, kept here for the plugins that have migrations.
 * Observed on Kong 2.3.3 built here: its bootstrap migrated core, jwt, acl, oauth2, key-auth,
 * hmac-auth, basic-auth, ip-restriction, rate-limiting, response-ratelimiting, bot-detection,
 * as this table says. A plugin missing from a tag's list is not bundled there (session before
 * 1.3.0). An Enterprise build follows its x.y.z tag; a tag not listed follows the one before it.
 */
const PRE_24_ORDER = /** @type {[string, string][]} */ ([
  ['1.0.0 1.0.1 1.0.3 1.0.4 1.1.2 1.1.3 1.2.0 1.2.2 1.2.3', 'jwt,acl,oauth2,key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting'],
  ['1.0.2', 'acl,oauth2,key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting,jwt'],
  ['1.1.0 1.2.1', 'key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting,jwt,acl,oauth2'],
  ['1.1.1', 'hmac-auth,basic-auth,rate-limiting,response-ratelimiting,jwt,acl,oauth2,key-auth'],
  ['1.3.0', 'rate-limiting,response-ratelimiting,session,jwt,acl,oauth2,key-auth,hmac-auth,basic-auth'],
  ['1.3.1 1.4.0 1.4.2 1.4.3 2.0.1 2.0.3 2.0.5', 'jwt,acl,oauth2,key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting,session'],
  ['1.4.1 2.0.2', 'key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting,session,jwt,acl,oauth2'],
  ['1.5.0', 'oauth2,key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting,jwt,acl,session'],
  ['1.5.1', 'oauth2,key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting,session,jwt,acl'],
  ['2.0.0 2.0.4', 'session,jwt,acl,oauth2,key-auth,hmac-auth,basic-auth,rate-limiting,response-ratelimiting'],
  ['2.1.0', 'oauth2,key-auth,hmac-auth,basic-auth,ip-restriction,rate-limiting,response-ratelimiting,bot-detection,session,jwt,acl'],
  ['2.1.1 2.1.4 2.2.1 2.3.0 2.3.3', 'jwt,acl,oauth2,key-auth,hmac-auth,basic-auth,ip-restriction,rate-limiting,response-ratelimiting,bot-detection,session'],
  ['2.1.2', 'key-auth,hmac-auth,basic-auth,ip-restriction,rate-limiting,response-ratelimiting,bot-detection,session,jwt,acl,oauth2'],
  ['2.1.3', 'bot-detection,session,jwt,acl,oauth2,key-auth,hmac-auth,basic-auth,ip-restriction,rate-limiting,response-ratelimiting'],
  ['2.2.0 2.3.1', 'acl,oauth2,key-auth,hmac-auth,basic-auth,ip-restriction,rate-limiting,response-ratelimiting,bot-detection,session,jwt'],
  ['2.2.2', 'ip-restriction,rate-limiting,response-ratelimiting,acl,oauth2,key-auth,hmac-auth,session,jwt,basic-auth,bot-detection'],
  ['2.3.2', 'jwt,acl,oauth2,rate-limiting,response-ratelimiting,key-auth,hmac-auth,basic-auth,ip-restriction,bot-detection,session'],
  ['2.3.4', 'session,jwt,acl,oauth2,key-auth,hmac-auth,basic-auth,ip-restriction,rate-limiting,response-ratelimiting,bot-detection'],
]).flatMap(([tags, order]) => tags.split(' ').map((tag) => /** @type {[string, string[]]} */ ([tag, order.split(',')])))
  .sort(([a], [b]) => cmp(a, b));

/** The pairs() order of `version`'s bundled plugins with migrations, or undefined from 2.4.0 (sorted). @param {string} version */
function pre24Order(version) {
  if (atLeast(version, '2.4.0')) return undefined;
  const xyz = parseVersion(version).parts.slice(0, 3).join('.');
  return PRE_24_ORDER.filter(([tag]) => cmp(tag, xyz) <= 0).at(-1)?.[1] ?? PRE_24_ORDER[0]?.[1];
}

/**
 * The subsystems and their migrations at `version`, in Kong's order: core first, then plugins
 * sorted from 2.4.0 (kong/db/migrations/state.lua load_subsystems: table.sort of the plugin
 * names), in hash order before (PRE_24_ORDER; a plugin list other than `bundled` gets the same
 * relative order there, UNVERIFIED: its hash order depends on the list). A plugin whose
 * `kong.plugins.<p>.migrations` module does not exist is skipped. Custom (non-bundled) plugins
 * have no migrations module here, so they are skipped.
 * @param {string} version
 * @param {string[]} plugins
 * @returns {Subsystem[]}
 */
export function subsystemsAt(version, plugins) {
  const enterprise = parseVersion(version).enterprise;
  /** @type {Subsystem[]} */
  const out = [{ subsystem: 'core', namespace: 'kong.db.migrations.core', migrations: (enterprise ? ENTERPRISE_CORE : CORE).filter((mig) => ships(version, mig)) }];
  if (enterprise) {
    // Enterprise: its own subsystems always, then its plugins with OSS's, all by name after core.
    // The order is UNVERIFIED (no paste shows a whole Enterprise list; one 3.2.2.1 bootstrap,
    // Kong/kong#10856, ran hmac-auth right after core).
    /** @type {Record<string, Migration[]>} */
    const catalog = { ...PLUGINS, ...ENTERPRISE_PLUGINS };
    const names = [...Object.keys(ENTERPRISE_SUBSYSTEMS), ...plugins.filter((p) => catalog[p] !== undefined)].sort();
    for (const name of names) {
      const shipped = (ENTERPRISE_SUBSYSTEMS[name] ?? catalog[name] ?? []).filter((mig) => ships(version, mig));
      if (shipped.length > 0) out.push({ subsystem: name, namespace: ENTERPRISE_SUBSYSTEMS[name] ? `kong.enterprise_edition.db.migrations.${name}` : `kong.plugins.${name}.migrations`, migrations: shipped });
    }
    return out;
  }
  const order = pre24Order(version);
  const ordered = order === undefined ? [...plugins].sort() : order.filter((p) => plugins.includes(p));
  for (const plugin of ordered) {
    const migs = PLUGINS[plugin];
    if (!migs) continue;
    const shipped = migs.filter((mig) => ships(version, mig));
    if (shipped.length === 0) continue;
    out.push({ subsystem: plugin, namespace: `kong.plugins.${plugin}.migrations`, migrations: shipped });
  }
  return out;
}
