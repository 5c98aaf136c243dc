// Kong configuration as `kong migrations` loads it: defaults < kong.conf < KONG_* env
// (kong/conf_loader/init.lua load(), parse.lua overrides() l.898-940; facts §5).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { atLeast } from './catalog.mjs';

/** kong/templates/kong_defaults.lua 3.9.3 l.121-152 (the subset the simulator reads). */
export const DEFAULTS = Object.freeze({
  prefix: '/usr/local/kong/',
  plugins: 'bundled',
  database: 'postgres',
  pg_host: '127.0.0.1',
  pg_port: '5432',
  pg_timeout: '5000',
  pg_user: 'kong',
  pg_password: 'NONE',
  pg_database: 'kong',
  pg_schema: 'NONE',
  pg_ssl: 'off',
  pg_ssl_verify: 'off',
  proxy_listen: '0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384',
  admin_listen: '127.0.0.1:8001 reuseport backlog=16384, 127.0.0.1:8444 http2 ssl reuseport backlog=16384',
  admin_gui_listen: '0.0.0.0:8002, 0.0.0.0:8445 ssl',
  status_listen: 'off',
});

/** status_listen's default from 3.6.0 (kong/templates/kong_defaults.lua 3.6.0 l.31); admin_gui_listen is new in 3.4.0. */
const STATUS_LISTEN_360 = '127.0.0.1:8007 reuseport backlog=16384';

/** kong/conf_loader/constants.lua DEFAULT_PATHS. */
const DEFAULT_PATHS = ['/etc/kong/kong.conf', '/etc/kong.conf'];

/**
 * @typedef {object} KongConf
 * @property {string} database
 * @property {string} prefix
 * @property {string} plugins
 * @property {string} pg_host
 * @property {number} pg_port
 * @property {number} pg_timeout
 * @property {string} pg_user
 * @property {string | undefined} pg_password
 * @property {string} pg_database
 * @property {string} pg_schema   '' when NONE (the connection's CURRENT_SCHEMA is used)
 * @property {boolean} pg_ssl
 * @property {boolean} pg_ssl_verify
 * @property {string | undefined} confPath
 * @property {Record<'proxy' | 'admin' | 'admin_gui' | 'status', boolean>} sslEnabled  a listener with the `ssl` flag
 * @property {string[]} notes  conf_loader's verbose lines, in order (kong/conf_loader/init.lua 2.8.5 l.1355-1364, l.1792)
 */

/** A config error: Kong reports errors[1] through assert() (conf_loader/init.lua l.540-546). */
export class ConfError extends Error {
  /** @param {string[]} errors */
  constructor(errors) {
    super(errors[0]);
    this.errors = errors;
  }
}

/**
 * kong.conf syntax (pl.config as Kong uses it): `key = value`, `#` starts a comment unless
 * escaped as `\#`; blank lines ignored.
 * @param {string} text
 */
export function parseConfFile(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|[^\\])#.*$/, '$1').replace(/\\#/g, '#').trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * @param {string | undefined} confPath  -c/--conf (or `kong check <conf>`)
 * @param {{ prefix?: string, version: string, env?: NodeJS.ProcessEnv }} opts
 * @returns {KongConf}
 */
export function loadConf(confPath, opts) {
  const env = opts.env ?? process.env;
  let file = confPath;
  if (file !== undefined && !existsSync(file)) {
    // -- kong/conf_loader/init.lua l.232
    throw new ConfError([`no file at: ${file}`]);
  }
  /** @type {string[]} */
  const notes = [];
  if (file === undefined) {
    for (const candidate of DEFAULT_PATHS) {
      if (existsSync(candidate)) { file = candidate; break; }
      notes.push(`no config file found at ${candidate}`);
    }
  }
  notes.push(file === undefined ? 'no config file, skip loading' : `reading config file at ${file}`);
  const fromFile = file ? parseConfFile(readFileSync(file, 'utf8')) : {};

  /** @param {keyof typeof DEFAULTS} key */
  const get = (key) => {
    // -- kong/conf_loader/parse.lua l.920: local env_name = "KONG_" .. upper(k)
    const fromEnv = env[`KONG_${key.toUpperCase()}`];
    let fallback = DEFAULTS[key];
    if (key === 'status_listen' && atLeast(opts.version, '3.6.0')) fallback = STATUS_LISTEN_360;
    let value = fromEnv !== undefined ? fromEnv : fromFile[key] ?? fallback;
    return value.trim();
  };
  /** A listen value has a listener with the `ssl` flag (conf_loader parse_listeners). @param {keyof typeof DEFAULTS} key */
  const ssl = (key) => get(key).split(',').some((listener) => listener.trim().split(/\s+/).slice(1).includes('ssl'));

  /** @type {string[]} */
  const errors = [];
  const database = get('database');
  if (!['postgres', 'cassandra', 'off'].includes(database)) {
    // -- kong/conf_loader/parse.lua l.234 (enum check)
    errors.push(`database has an invalid value: '${database}' (postgres, cassandra, off)`);
  } else if (database === 'cassandra' && atLeast(opts.version, '3.4.0')) {
    // -- kong/conf_loader/parse.lua l.871-872 (3.9.3); conf_loader/init.lua l.1356-1357 (3.4.0)
    errors.push('Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres.');
  }
  const port = Number(get('pg_port'));
  if (!Number.isInteger(port)) errors.push(`pg_port is not a number`); // UNVERIFIED wording
  const timeout = Number(get('pg_timeout'));
  if (!Number.isFinite(timeout)) errors.push(`pg_timeout is not a number`); // UNVERIFIED wording
  if (errors.length > 0) throw new ConfError(errors);

  /** kong/conf_loader/parse.lua parse_value for booleans: "on"/"true" => true. @param {string} v */
  const bool = (v) => v === 'on' || v === 'true';
  const none = (/** @type {string} */ v) => (v === 'NONE' ? undefined : v);
  // conf_loader normalizes prefix with pl.path.abspath (no trailing slash).
  const prefix = path.resolve(opts.prefix ?? get('prefix'));
  notes.push(`prefix in use: ${prefix}`);

  return {
    database,
    prefix,
    plugins: get('plugins'),
    pg_host: get('pg_host'),
    pg_port: port,
    pg_timeout: timeout,
    pg_user: get('pg_user'),
    pg_password: none(get('pg_password')),
    pg_database: get('pg_database'),
    pg_schema: none(get('pg_schema')) ?? '',
    pg_ssl: bool(get('pg_ssl')),
    pg_ssl_verify: bool(get('pg_ssl_verify')),
    confPath: file,
    sslEnabled: {
      proxy: ssl('proxy_listen'),
      admin: ssl('admin_listen'),
      admin_gui: atLeast(opts.version, '3.4.0') && ssl('admin_gui_listen'),
      status: ssl('status_listen'),
    },
    notes,
  };
}
