// The simulated `kong` command. Every Kong-facing string and exit code here comes from
// /work/shared/kong-facts/migrations-cli.md and Kong's source (tag 3.9.3 unless noted), cited
// next to it. Sim-only messages start with "kong-sim:".

import { existsSync, mkdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { atLeast, loadedPlugins, parseVersion, subsystemsAt } from './catalog.mjs';
import { ConfError, loadConf } from './conf.mjs';
import { Connector, KongDbError } from './connector.mjs';
import { faults, runInjected } from './faults.mjs';
import { upSql, teardownSql } from '../db/schema.mjs';

/** -- kong/cmd/utils/migrations.lua l.4-10 */
const MIGRATIONS_MUTEX_KEY = 'migrations';
const NOT_LEADER_MSG = 'aborted: another node is performing database changes';
const NEEDS_BOOTSTRAP_MSG = "Database needs bootstrapping or is older than Kong 1.0.\n\n" +
  "To start a new installation from scratch, run 'kong migrations bootstrap'.\n\n" +
  "To migrate from a version older than 1.0, migrated to Kong 1.5.0 first. \n" +
  "If you still have 'apis' entities, you can convert them to Routes and Services\n" +
  "using the 'kong migrations migrate-apis' command in Kong 1.5.0.\n\n";

/** -- kong/db/init.lua l.27 DEFAULT_LOCKS_TTL; l.283 MAX_LOCK_WAIT_STEP */
const MAX_LOCK_WAIT_STEP = 2;

/** Where Kong's Lua files live in the official packages; used in simulated positions/tracebacks (UNVERIFIED). */
const LUA_ROOT = '/usr/local/share/lua/5.1';

/** Process exit, carried as an exception so `finally` blocks (connection close) still run. */
class Exit extends Error {
  /** @param {number} code */
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/**
 * A Lua `error(msg)` / failed `assert(x, msg)`. `position` is the "file:line" Lua prepends
 * (kong/cmd/init.lua's handler strips it again with err:match "^.-:.-:.(.*)$").
 */
class LuaError extends Error {
  /** @param {string} message @param {string} [position] */
  constructor(message, position = `${LUA_ROOT}/kong/cmd/migrations.lua:94`) {
    super(message);
    this.position = position;
  }
}

// ---------------------------------------------------------------------------------------------
// Logger: kong/cmd/utils/log.lua (3.9.3). Levels debug=1 verbose=2 info=3 warn=4 error=5 quiet=6.
const LEVELS = /** @type {const} */ ({ debug: 1, verbose: 2, info: 3, warn: 4, error: 5, quiet: 6 });
/** @type {Record<number, string>} */
const LEVEL_NAMES = { 1: 'debug', 2: 'verbose', 3: 'info', 4: 'warn', 5: 'error', 6: 'quiet' };
let logLevel = LEVELS.info;

const out = {
  /** @param {string} s */
  stdout(s) { process.stdout.write(s); },
  /** @param {string} s */
  stderr(s) { process.stderr.write(s); },
  /** Written to stdout when the process ends (see preparePrefix). @type {string[]} */
  atExit: [],
};

/** os.date("%Y/%m/%d %H:%M:%S") in local time, like Lua's os.date. */
function luaDate() {
  const d = new Date();
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** -- kong/cmd/utils/log.lua _M.log: prefix when verbose/debug or warn+; warn+ to stderr. @param {number} lvl @param {string} msg */
function logAt(lvl, msg) {
  if (lvl < logLevel) return;
  let line = msg;
  if (logLevel < LEVELS.info || lvl >= LEVELS.warn) line = `${luaDate()} [${LEVEL_NAMES[lvl]}] ${msg}`;
  if (lvl < LEVELS.warn) out.stdout(`${line}\n`);
  else out.stderr(`${line}\n`);
}
const log = Object.assign((/** @type {string} */ msg) => logAt(LEVELS.info, msg), {
  debug: (/** @type {string} */ msg) => logAt(LEVELS.debug, msg),
  verbose: (/** @type {string} */ msg) => logAt(LEVELS.verbose, msg),
  warn: (/** @type {string} */ msg) => logAt(LEVELS.warn, msg),
  error: (/** @type {string} */ msg) => logAt(LEVELS.error, msg),
});

// ---------------------------------------------------------------------------------------------
// Help texts (lapp strings). -- bin/kong l.13-16 (universal options appended to every command)
const UNIVERSAL_OPTIONS = ' --v              verbose\n --vv             debug\n';

/**
 * -- kong/cmd/migrations.lua l.11-52 (3.9.3); earlier variants per facts §1.2:
 *    reset text and `status` from 3.0.0; --db-timeout "(default 60)" until 3.6.x; its
 *    "(including schema consensus for Cassandra)" wording until 3.3.x; -p/--prefix from 2.3.2.
 * @param {string} version
 */
function migrationsHelp(version) {
  const v3 = atLeast(version, '3.0.0');
  const reset = v3
    ? "  reset                             Reset the database. The `reset` command erases all of the data in Kong's database and deletes all of the schemas.\n\n" +
      '  status                            Dump the database migration status in JSON format\n'
    : '  reset                             Reset the database.\n';
  const dbTimeoutDefault = atLeast(version, '3.7.0') ? '(optional number)' : '(default 60)     ';
  const dbTimeoutText = atLeast(version, '3.4.0')
    ? '                                    operations.\n\n'
    : '                                    operations (including schema consensus for\n                                    Cassandra).\n';
  const prefix = atLeast(version, '2.3.2')
    ? ' -p,--prefix      (optional string)   Override prefix directory.\n\n'
    : '';
  return 'Usage: kong migrations COMMAND [OPTIONS]\n\n' +
    'Manage database schema migrations.\n\n' +
    'The available commands are:\n' +
    '  bootstrap                         Bootstrap the database and run all\n' +
    '                                    migrations.\n\n' +
    '  up                                Run any new migrations.\n\n' +
    '  finish                            Finish running any pending migrations after\n' +
    "                                    'up'.\n\n" +
    '  list                              List executed migrations.\n\n' +
    reset + '\n' +
    'Options:\n' +
    ' -y,--yes                           Assume "yes" to prompts and run\n' +
    '                                    non-interactively.\n\n' +
    ' -q,--quiet                         Suppress all output.\n\n' +
    ' -f,--force                         Run migrations even if database reports\n' +
    '                                    as already executed.\n\n' +
    ` --db-timeout     ${dbTimeoutDefault} Timeout, in seconds, for all database\n` +
    dbTimeoutText + '\n' +
    ' --lock-timeout   (default 60)      Timeout, in seconds, for nodes waiting on\n' +
    '                                    the leader node to finish running\n' +
    '                                    migrations.\n\n' +
    ' -c,--conf        (optional string) Configuration file.\n\n' +
    prefix + UNIVERSAL_OPTIONS;
}

/** -- kong/cmd/version.lua (lapp) */
const VERSION_HELP = "Usage: kong version [OPTIONS]\n\nPrint Kong's version. With the -a option, will print\nthe version of all underlying dependencies.\n\nOptions:\n -a,--all         get version of all dependencies\n" + UNIVERSAL_OPTIONS;
/** -- kong/cmd/health.lua (lapp) */
const HEALTH_HELP = 'Usage: kong health [OPTIONS]\n\nCheck if the necessary services are running for this node.\n\nOptions:\n -p,--prefix      (optional string) prefix at which Kong should be running\n' + UNIVERSAL_OPTIONS;
/** -- kong/cmd/check.lua (lapp) */
const CHECK_HELP = 'Usage: kong check <conf>\n\nCheck the validity of a given Kong configuration file.\n\n<conf> (default /etc/kong/kong.conf) configuration file\n\nOptions:\n' + UNIVERSAL_OPTIONS;

/** -- bin/kong l.19-35 (drain is new in 3.9) */
function commandList(/** @type {string} */ version) {
  const cmds = ['start', 'stop', 'quit', 'restart', 'reload', 'health', 'check', 'prepare', 'migrations', 'version', 'config', 'roar', 'hybrid', 'vault'];
  if (atLeast(version, '3.9.0')) cmds.push('drain');
  return cmds.sort();
}
function kongHelp(/** @type {string} */ version) {
  // -- bin/kong l.55-62
  return `Usage: kong COMMAND [OPTIONS]\n\nThe available commands are:\n ${commandList(version).join('\n ')}\n\nOptions:\n${UNIVERSAL_OPTIONS}`;
}

/**
 * Penlight lapp.quit(msg, no_usage): msg + "\n\n" then the usage to stderr, exit 1 (facts §0, Derived).
 * @param {string | undefined} msg @param {string | undefined} usage
 */
function lappQuit(msg, usage) {
  if (msg) out.stderr(`${msg}\n\n`);
  if (usage) out.stderr(usage);
  throw new Exit(1);
}

/**
 * @typedef {{ name: string, short?: string, type: 'flag' | 'number' | 'string', dflt?: number }} OptSpec
 */

/** @param {string} version @returns {OptSpec[]} */
function migrationsOptions(version) {
  /** @type {OptSpec[]} */
  const specs = [
    { name: 'yes', short: 'y', type: 'flag' },
    { name: 'quiet', short: 'q', type: 'flag' },
    { name: 'force', short: 'f', type: 'flag' },
    { name: 'db-timeout', type: 'number', ...(atLeast(version, '3.7.0') ? {} : { dflt: 60 }) },
    { name: 'lock-timeout', type: 'number', dflt: 60 },
    { name: 'conf', short: 'c', type: 'string' },
  ];
  if (atLeast(version, '2.3.2')) specs.push({ name: 'prefix', short: 'p', type: 'string' });
  return specs;
}

/**
 * A Penlight-lapp-like parser: -h/--help quits with usage; unknown flags are
 * "kong: unrecognized parameter: X" + usage (facts §0, Derived).
 * @param {string[]} argv @param {OptSpec[]} specs @param {string} usage
 */
function lapp(argv, specs, usage) {
  specs = [...specs, { name: 'v', type: 'flag' }, { name: 'vv', type: 'flag' }];
  /** @type {Record<string, string | number | boolean | undefined>} */
  const args = {};
  /** @type {string[]} */
  const positional = [];
  for (const s of specs) if (s.dflt !== undefined) args[s.name] = s.dflt;
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '-h' || a === '--help') lappQuit(undefined, usage);
    if (!a.startsWith('-') || a === '-') { positional.push(a); continue; }
    let name = a.replace(/^--?/, '');
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    const spec = specs.find((s) => (a.startsWith('--') ? s.name === name : (s.short === name || s.name === name)));
    if (!spec) lappQuit(`kong: unrecognized parameter: ${name}`, usage);
    const sp = /** @type {OptSpec} */ (spec);
    if (sp.type === 'flag') { args[sp.name] = true; continue; }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) lappQuit(`kong: no value for ${sp.name}`, usage); // Derived wording, UNVERIFIED
    }
    if (sp.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) lappQuit(`kong: unable to convert to number: ${value}`, usage); // UNVERIFIED wording
      args[sp.name] = n;
    } else {
      args[sp.name] = value;
    }
  }
  return { args, positional };
}

// ---------------------------------------------------------------------------------------------
// Schema state: kong/db/migrations/state.lua (3.9.3) l.183-304.

/** @typedef {import('./catalog.mjs').Subsystem} Subsystem */
/**
 * @typedef {object} SchemaState
 * @property {boolean} needs_bootstrap
 * @property {Subsystem[] | undefined} executed_migrations
 * @property {Subsystem[] | undefined} pending_migrations
 * @property {Subsystem[] | undefined} missing_migrations
 * @property {Subsystem[] | undefined} new_migrations
 */

/**
 * State.load: classify each code migration against the schema_meta rows. The loop (and its
 * `n` quirk: a migration before last_executed that is in neither list counts as "new") is Kong's.
 * @param {Subsystem[]} subsystems
 * @param {Awaited<ReturnType<Connector['schemaMigrations']>>} rows
 * @returns {SchemaState}
 */
function classify(subsystems, rows) {
  /** @type {SchemaState} */
  const state = { needs_bootstrap: false, executed_migrations: undefined, pending_migrations: undefined, missing_migrations: undefined, new_migrations: undefined };
  /** @type {Map<string, { last_executed: string | null, executed: string[], pending: string[] }>} */
  const byName = new Map();
  if (!rows) state.needs_bootstrap = true;
  else for (const row of rows) byName.set(row.subsystem, { last_executed: row.last_executed, executed: row.executed ?? [], pending: row.pending ?? [] });

  for (const sub of subsystems) {
    /** @type {Record<'executed_migrations'|'pending_migrations'|'missing_migrations'|'new_migrations', import('./catalog.mjs').Migration[]>} */
    const s = { executed_migrations: [], pending_migrations: [], missing_migrations: [], new_migrations: [] };
    const row = byName.get(sub.subsystem);
    if (!row) {
      s.new_migrations.push(...sub.migrations);
    } else {
      /** @type {number | undefined} */
      let n;
      sub.migrations.forEach((mig, idx) => {
        const i = idx + 1;
        if (mig.name === row.last_executed) n = i + 1;
        if (row.executed.includes(mig.name)) s.executed_migrations.push(mig);
        else if (row.pending.includes(mig.name)) s.pending_migrations.push(mig);
        else if (n === undefined || i >= n) s.new_migrations.push(mig);
        else s.missing_migrations.push(mig);
      });
    }
    for (const key of /** @type {const} */ (['executed_migrations', 'pending_migrations', 'missing_migrations', 'new_migrations'])) {
      if (s[key].length > 0) (state[key] ??= []).push({ subsystem: sub.subsystem, namespace: sub.namespace, migrations: s[key] });
    }
  }
  return state;
}

/**
 * -- kong/db/migrations/state.lua l.28-50 Migrations_mt.__tostring: "%<max>s: %s" joined by "\n";
 * before 1.2.0 "%s: %s", not aligned (Kong/kong 1.1.2 state.lua l.26-41).
 * @param {Subsystem[]} list
 */
function formatMigrations(list) {
  const max = atLeast(version(), '1.2.0') ? Math.max(...list.map((s) => s.subsystem.length)) : 0;
  return list.map((s) => `${s.subsystem.padStart(max)}: ${s.migrations.map((m) => m.name).join(', ')}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The DB object: kong/db/init.lua (3.9.3).

class DB {
  /**
   * @param {import('./conf.mjs').KongConf} conf
   * @param {Subsystem[]} subsystems
   */
  constructor(conf, subsystems) {
    this.conf = conf;
    this.subsystems = subsystems;
    this.strategy = conf.database;
    this.connector = new Connector({
      host: conf.pg_host, port: conf.pg_port, user: conf.pg_user, password: conf.pg_password,
      database: conf.pg_database, schema: conf.pg_schema, timeout: conf.pg_timeout,
      ssl: conf.pg_ssl, sslVerify: conf.pg_ssl_verify,
    });
    /** -- kong/db/strategies/postgres/connector.lua l.387-401 infos() */
    this.infos = { strategy: 'PostgreSQL', db_desc: 'database', db_name: conf.pg_database };
  }

  /** -- kong/db/init.lua l.127-134 prefix_err @param {string} err */
  prefixErr(err) { return `[${this.infos.strategy} error] ${err}`; }

  /** -- kong/db/init.lua l.137-150 init_connector */
  async initConnector() {
    try {
      await this.connector.init();
    } catch (error) {
      throw new LuaError(this.prefixErr(errText(error)));
    }
  }

  /** -- kong/db/init.lua DB:schema_state → State.load */
  async schemaState() {
    log.debug('loading subsystems migrations...');
    log.verbose(`retrieving ${this.infos.db_desc} schema state...`);
    let rows;
    try {
      rows = await this.connector.schemaMigrations();
    } catch (error) {
      await this.connector.close();
      // -- kong/db/migrations/state.lua l.206-210
      throw new LuaError(this.prefixErr(`failed to check schema state: ${errText(error)}`));
    }
    await this.connector.close();
    log.verbose('schema state retrieved');
    return classify(this.subsystems, rows);
  }

  /** -- kong/db/init.lua DB:schema_bootstrap l.460-476 */
  async schemaBootstrap() {
    try {
      await this.connector.schemaBootstrap();
    } catch (error) {
      throw new LuaError(this.prefixErr(`failed to bootstrap database: ${errText(error)}`), `${LUA_ROOT}/kong/cmd/utils/migrations.lua:28`);
    } finally {
      await this.connector.close();
    }
  }

  /** -- kong/db/init.lua DB:schema_reset l.479-494 */
  async schemaReset(/** @type {string} */ position) {
    try {
      await this.connector.schemaReset();
    } catch (error) {
      throw new LuaError(this.prefixErr(errText(error)), position);
    } finally {
      await this.connector.close();
    }
  }

  /**
   * -- kong/db/init.lua l.285-417 DB:cluster_mutex. Returns [ok, err] like Lua:
   * [true] ran; [false] another node holds/held the lock; [undefined, err] failure.
   * @param {{ ttl: number, noWait?: boolean, noCleanup?: boolean }} opts
   * @param {() => Promise<void>} cb
   * @returns {Promise<[boolean | undefined, string?]>}
   */
  async clusterMutex(opts, cb) {
    const ttl = opts.ttl;
    let acquired;
    try {
      acquired = await this.connector.insertLock(MIGRATIONS_MUTEX_KEY, ttl);
    } catch (error) {
      return [undefined, this.prefixErr(`failed to insert cluster lock: ${errText(error)}`)];
    }
    if (!acquired) {
      if (opts.noWait) return [false];
      // Waiting on the cluster lock: steps 0.1 s, ×3, capped at MAX_LOCK_WAIT_STEP, for ttl s.
      let step = 0.1;
      let elapsed = 0;
      while (elapsed < ttl) {
        await sleep(step * 1000);
        elapsed += step;
        if (elapsed >= ttl) break;
        let locked;
        try {
          locked = await this.connector.readLock(MIGRATIONS_MUTEX_KEY);
        } catch (error) {
          return [undefined, this.prefixErr(`failed to read cluster lock: ${errText(error)}`)];
        }
        if (!locked) return [false]; // the cluster lock was released
        step = Math.min(step * 3, MAX_LOCK_WAIT_STEP);
      }
      return [undefined, this.prefixErr('timeout')];
    }
    try {
      await cb();
    } catch (error) {
      if (error instanceof Exit) throw error;
      await this.connector.removeLock(MIGRATIONS_MUTEX_KEY).catch(() => {});
      return [undefined, this.prefixErr(`cluster_mutex callback threw an error: ${traceback(error)}`)];
    }
    if (!opts.noCleanup) await this.connector.removeLock(MIGRATIONS_MUTEX_KEY).catch(() => {});
    return [true];
  }

  /**
   * -- kong/db/init.lua l.497-631 DB:run_migrations. Throws LuaError (the `assert` around it in
   * kong/cmd/utils/migrations.lua) with Kong's message on failure.
   * @param {Subsystem[]} migrations
   * @param {{ runUp?: boolean, runTeardown?: boolean, skipTeardown?: Subsystem[], position: string }} options
   */
  async runMigrations(migrations, options) {
    const { runUp = false, runTeardown = false } = options;
    /** @type {Set<string>} */
    const skip = new Set();
    if (runTeardown && options.skipTeardown) {
      for (const t of options.skipTeardown) for (const mig of t.migrations) if (mig.teardown) skip.add(`${t.subsystem}:${mig.name}`);
    }
    const fail = async (/** @type {string} */ msg) => {
      await this.connector.close();
      throw new LuaError(this.prefixErr(msg), options.position);
    };
    const fx = faults();
    let nMigrations = 0;
    let nPending = 0;
    for (const t of migrations) {
      // -- kong/db/init.lua l.523
      log(`migrating ${t.subsystem} on ${this.infos.db_desc} '${this.infos.db_name}'...`);
      for (const mig of t.migrations) {
        const key = `${t.subsystem}:${mig.name}`;
        log.debug(`running migration: ${mig.name}`);
        await fx.beforeMigration(this.connector, nMigrations);
        if (runUp) {
          try {
            await runInjected(this.connector, fx, key, 'up', upSql(t.subsystem, mig.name));
          } catch (error) {
            // -- kong/db/init.lua l.569-571
            await fail(`failed to run migration '${mig.name}' up: ${errText(error)}`);
          }
          let state = /** @type {'executed'|'pending'} */ ('executed');
          if (mig.teardown) { state = 'pending'; nPending++; }
          try {
            await this.connector.recordMigration(t.subsystem, mig.name, state);
          } catch (error) {
            // -- kong/db/init.lua l.592-595
            await fail(`failed to record migration '${mig.name}': ${errText(error)}`);
          }
        }
        if (!skip.has(key) && runTeardown && mig.teardown) {
          try {
            await runInjected(this.connector, fx, key, 'teardown', teardownSql(t.subsystem, mig.name));
          } catch (error) {
            // -- kong/db/init.lua l.600-604
            await fail(`failed to run migration '${mig.name}' teardown: ${errText(error)}`);
          }
          try {
            await this.connector.recordMigration(t.subsystem, mig.name, 'teardown');
          } catch (error) {
            await fail(`failed to record migration '${mig.name}': ${errText(error)}`);
          }
          nPending = Math.max(nPending - 1, 0);
        }
        // -- kong/db/init.lua l.607-609
        log(`${t.subsystem} migrated up to: ${mig.name} ${mig.teardown && !runTeardown ? '(pending)' : '(executed)'}`);
        nMigrations++;
      }
    }
    // -- kong/db/init.lua l.612-625
    log(`${nMigrations} migration${nMigrations > 1 ? 's' : ''} processed`);
    const nExecuted = nMigrations - nPending;
    if (nExecuted > 0) log(`${nExecuted} executed`);
    if (nPending > 0) log(`${nPending} pending`);
    await this.connector.close();
  }
}

/** DB-less: kong/db/strategies/off/connector.lua reports every code migration as executed (facts §3). */
class OffDB extends DB {
  /** @param {import('./conf.mjs').KongConf} conf @param {Subsystem[]} subsystems */
  constructor(conf, subsystems) {
    super(conf, subsystems);
    this.infos = { strategy: 'off', db_desc: 'cache', db_name: 'in memory' };
  }
  async initConnector() {}
  async schemaState() {
    return classify(this.subsystems, this.subsystems.map((s) => ({
      subsystem: s.subsystem, last_executed: s.migrations.at(-1)?.name ?? null, executed: s.migrations.map((m) => m.name), pending: null,
    })));
  }
  async schemaBootstrap() {}
  async schemaReset() {} // UNVERIFIED: what the off connector's reset does; we report success.
  /** @param {{ ttl: number }} _opts @param {() => Promise<void>} cb @returns {Promise<[boolean | undefined, string?]>} */
  async clusterMutex(_opts, cb) { await cb(); return [true]; } // UNVERIFIED for strategy off
}

/** A Lua-ish traceback for an error thrown inside a cluster_mutex callback (xpcall(cb, debug.traceback)). Derived, UNVERIFIED. @param {unknown} error */
function traceback(error) {
  const e = /** @type {LuaError} */ (error);
  const pos = e instanceof LuaError ? `${e.position}: ` : '';
  return `${pos}${errText(error)}\nstack traceback:\n\t[C]: in function 'assert'\n\t${LUA_ROOT}/kong/cmd/utils/migrations.lua: in function <${LUA_ROOT}/kong/cmd/utils/migrations.lua>\n\t[C]: in function 'xpcall'\n\t${LUA_ROOT}/kong/db/init.lua:403: in function <${LUA_ROOT}/kong/db/init.lua:353>`;
}

/** @param {unknown} error */
function errText(error) {
  if (error instanceof KongDbError || error instanceof LuaError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// kong/cmd/utils/migrations.lua (3.9.3)

/** @param {SchemaState} state @param {DB} db @param {number} ttl */
async function bootstrap(state, db, ttl) {
  if (state.needs_bootstrap) {
    log(before12('Bootstrapping database...')); // -- kong/cmd/utils/migrations.lua l.27
    await db.schemaBootstrap();
  } else {
    log(before12('Database already bootstrapped')); // -- kong/cmd/utils/migrations.lua l.31
    return;
  }
  const [ok, err] = await db.clusterMutex({ ttl, noWait: true }, async () => {
    await db.runMigrations(state.new_migrations ?? [], { runUp: true, runTeardown: true, position: `${LUA_ROOT}/kong/cmd/utils/migrations.lua:41` });
    log(before12('Database is up-to-date')); // -- kong/cmd/utils/migrations.lua l.45
  });
  if (err) throw new LuaError(err, `${LUA_ROOT}/kong/cmd/utils/migrations.lua:48`);
  if (!ok) log(NOT_LEADER_MSG); // -- kong/cmd/utils/migrations.lua l.51-53
}

/** @param {SchemaState} state @param {DB} db @param {{ ttl: number, force: boolean }} opts */
async function up(state, db, opts) {
  const pos = `${LUA_ROOT}/kong/cmd/utils/migrations.lua`;
  if (state.needs_bootstrap) {
    // -- kong/cmd/utils/migrations.lua l.58-61
    throw new LuaError(`Cannot run migrations: ${NEEDS_BOOTSTRAP_MSG}`, `${pos}:60`);
  }
  // -- kong/cmd/utils/migrations.lua l.66-68 (workaround for #6105, since 2.2.0)
  if (!opts.force && state.pending_migrations && atLeast(version(), '2.2.0')) {
    throw new LuaError("Database has pending migrations; run 'kong migrations finish'", `${pos}:67`);
  }
  const [ok, err] = await db.clusterMutex({ ttl: opts.ttl }, async () => {
    let s = await db.schemaState();
    if (!opts.force && s.pending_migrations) {
      // -- kong/cmd/utils/migrations.lua l.73-75
      throw new LuaError("Database has pending migrations; run 'kong migrations finish'", `${pos}:74`);
    }
    if (opts.force && s.executed_migrations) {
      log.debug(`forcing re-execution of these migrations:\n${formatMigrations(s.executed_migrations)}`);
      await db.runMigrations(s.executed_migrations, { runUp: true, runTeardown: true, skipTeardown: s.pending_migrations, position: `${pos}:81` });
      s = await db.schemaState();
      if (s.pending_migrations) {
        log("\nDatabase has pending migrations; run 'kong migrations finish' when ready"); // l.89
        return;
      }
    }
    if (!s.new_migrations) {
      if (!opts.force) log(before12('Database is already up-to-date')); // -- kong/cmd/utils/migrations.lua l.96
      return;
    }
    log.debug(`migrations to run:\n${formatMigrations(s.new_migrations)}`);
    await db.runMigrations(s.new_migrations, { runUp: true, position: `${pos}:104` });
    s = await db.schemaState();
    if (s.pending_migrations) {
      log("\nDatabase has pending migrations; run 'kong migrations finish' when ready"); // l.110
    }
  });
  if (err) throw new LuaError(err, `${pos}:115`);
  if (!ok) log(NOT_LEADER_MSG); // -- kong/cmd/utils/migrations.lua l.118-120
}

/** @param {SchemaState} state @param {DB} db @param {{ ttl: number, force: boolean }} opts */
async function finish(state, db, opts) {
  const pos = `${LUA_ROOT}/kong/cmd/utils/migrations.lua`;
  if (state.needs_bootstrap) {
    throw new LuaError(`Cannot run migrations: ${NEEDS_BOOTSTRAP_MSG}`, `${pos}:128`); // l.127-129
  }
  const [ok, err] = await db.clusterMutex({ ttl: opts.ttl, noWait: true }, async () => {
    let s = await db.schemaState();
    if (opts.force && s.executed_migrations) {
      await db.runMigrations(s.executed_migrations, { runUp: true, runTeardown: true, position: `${pos}:137` });
      s = await db.schemaState();
    }
    if (s.pending_migrations) {
      log.debug(`pending migrations to finish:\n${formatMigrations(s.pending_migrations)}`);
      await db.runMigrations(s.pending_migrations, { runTeardown: true, position: `${pos}:149` });
      s = await db.schemaState();
    }
    if (s.new_migrations) {
      log("\nNew migrations available; run 'kong migrations up' to proceed"); // l.156
      return;
    }
    if (!opts.force && !s.pending_migrations) log(before12('No pending migrations to finish')); // l.161
  });
  if (err) throw new LuaError(err, `${pos}:168`);
  if (!ok) log(NOT_LEADER_MSG); // l.171-173
}

/** @param {SchemaState} state @param {DB} db @param {number} ttl @returns {Promise<boolean>} */
async function reset(state, db, ttl) {
  const pos = `${LUA_ROOT}/kong/cmd/utils/migrations.lua`;
  if (state.needs_bootstrap) {
    log(before12('Database not bootstrapped, nothing to reset')); // -- kong/cmd/utils/migrations.lua l.179
    return false;
  }
  const [ok, err] = await db.clusterMutex({ ttl, noWait: true, noCleanup: true }, async () => {
    log('Resetting database...'); // l.190
    await db.schemaReset(`${pos}:191`);
    log(before12('Database successfully reset')); // l.192
  });
  if (err) {
    // -- kong/cmd/utils/migrations.lua l.194-203: maybe the locks table was dropped
    log.error(`${err} - retrying without cluster lock`);
    log('Resetting database...');
    if (atLeast(version(), '3.0.0')) await db.connector.query('ROLLBACK;').catch(() => {}); // absent in 2.8.5
    await db.schemaReset(`${pos}:201`);
    log(before12('Database successfully reset'));
    return true;
  }
  if (!ok) {
    log(NOT_LEADER_MSG);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * Kong 1.0.x and 1.1.x start these messages in lower case ("bootstrapping database...",
 * "database is already up-to-date": Kong/kong 1.1.2 kong/cmd/utils/migrations.lua); 1.2.0
 * capitalised them (Kong/kong#4555).
 * @param {string} message
 */
function before12(message) {
  return atLeast(version(), '1.2.0') ? message : message[0].toLowerCase() + message.slice(1);
}

/** The simulated Kong version (KONG_SIM_VERSION, default 3.9.3). */
function version() {
  return parseVersion(process.env.KONG_SIM_VERSION || '3.9.3').text;
}

/** -- kong/cmd/migrations.lua l.79-218 execute() @param {Record<string, any>} args */
async function migrationsExecute(args) {
  const v = version();
  // -- l.80: args.db_timeout * 1000. Until 3.6.x it defaulted to 60 and ALWAYS overrode
  // pg_timeout; from 3.7.0 it is optional (facts §1.2, PR #12761).
  const dbTimeout = args['db-timeout'] !== undefined ? args['db-timeout'] * 1000 : undefined;
  // -q: log.disable() (l.83-85) is undone by conf_loader's own log.disable()/log.enable() pair
  // (kong/conf_loader/init.lua l.349-350, l.541-542: enable() restores the saved level), so
  // `-q` does not silence `kong migrations`; Kong's spec marks every "-q suppresses all output"
  // test `pending` (spec/02-integration/02-cmd/10-migrations_spec.lua l.156, 227, 276, 328).
  // Derived from the source; we do the same (no-op).
  const conf = loadConfOrThrow(args.conf, args.prefix);
  for (const note of conf.notes) log.verbose(note);
  if (dbTimeout !== undefined) conf.pg_timeout = dbTimeout;
  preparePrefix(conf, v);

  if (conf.database === 'cassandra') {
    // Kong < 3.4 would talk to Cassandra; the simulator only does PostgreSQL.
    throw new LuaError('kong-sim: database = cassandra is not simulated before Kong 3.4');
  }
  const subsystems = subsystemsAt(v, loadedPlugins(conf.plugins, v));
  const db = conf.database === 'off' ? new OffDB(conf, subsystems) : new DB(conf, subsystems);
  try {
    await db.initConnector();
    const state = await db.schemaState();
    const ttl = /** @type {number} */ (args['lock-timeout']);
    switch (args.command) {
      case 'list': return void listCommand(state, db);
      case 'status': return void statusCommand(state);
      case 'bootstrap': {
        if (args.force && atLeast(v, '2.1.0')) {
          await reset(state, db, ttl);
          return await bootstrap(await db.schemaState(), db, ttl);
        }
        return await bootstrap(state, db, ttl);
      }
      case 'reset': {
        if (!args.yes) {
          if (!process.stdin.isTTY) {
            // -- kong/cmd/migrations.lua l.187-189
            throw new LuaError("not a tty: invoke 'reset' non-interactively with the --yes flag", `${LUA_ROOT}/kong/cmd/migrations.lua:188`);
          }
          if (!state.needs_bootstrap && !confirmPrompt('Are you sure? This operation is irreversible.', v)) {
            log('cancelled'); // l.193
            return;
          }
        }
        const ok = await reset(state, db, ttl);
        throw new Exit(ok ? 0 : 1); // l.197-201
      }
      case 'up': return await up(state, db, { ttl, force: Boolean(args.force) });
      case 'finish': return await finish(state, db, { ttl, force: Boolean(args.force) });
      default: throw new LuaError('unreachable');
    }
  } finally {
    await db.connector.close();
  }
}

/** -- kong/cmd/migrations.lua l.105-154 @param {SchemaState} state @param {DB} db */
function listCommand(state, db) {
  if (!atLeast(version(), '1.2.0')) return listCommand10(state);
  if (state.needs_bootstrap) {
    // 1.2-1.5 print a one-line message (Kong/kong 1.5.1 kong/cmd/migrations.lua l.137).
    log(atLeast(version(), '2.0.0') ? NEEDS_BOOTSTRAP_MSG : "Database needs bootstrapping; run 'kong migrations bootstrap'");
    throw new Exit(3);
  }
  let r = '';
  if (state.executed_migrations) { log(`Executed migrations:\n${formatMigrations(state.executed_migrations)}`); r = '\n'; }
  if (state.pending_migrations) { log(`${r}Pending migrations:\n${formatMigrations(state.pending_migrations)}`); r = '\n'; }
  if (state.new_migrations) { log(`${r}New migrations available:\n${formatMigrations(state.new_migrations)}`); r = '\n'; }
  if (state.pending_migrations && state.new_migrations) {
    if (r !== '') log('');
    log.warn('Database has pending migrations from a previous upgrade, ' +
      `and new migrations from this upgrade (version ${version()})`);
    log("\nRun 'kong migrations finish' when ready to complete pending " +
      `migrations (${db.strategy} ${db.infos.db_desc} will be incompatible with the previous Kong ` +
      'version)');
    throw new Exit(4);
  }
  if (state.pending_migrations) { log("\nRun 'kong migrations finish' when ready"); throw new Exit(4); }
  if (state.new_migrations) { log("\nRun 'kong migrations up' to proceed"); throw new Exit(5); }
}

/**
 * Kong 1.0.x and 1.1.x: `executed migrations:` and then print_state, in lower case (Kong/kong
 * 1.1.2 kong/cmd/migrations.lua l.91-111, kong/cmd/utils/migrations.lua print_state l.11-38).
 * The missing-migrations warning is not simulated (the simulator never leaves a database so).
 * @param {SchemaState} state
 */
function listCommand10(state) {
  if (state.needs_bootstrap) {
    log("database needs bootstrapping; run 'kong migrations bootstrap'");
    throw new Exit(3);
  }
  if (state.executed_migrations) log(`executed migrations:\n${formatMigrations(state.executed_migrations)}`);
  if (state.pending_migrations) log(`database has pending migrations:\n${formatMigrations(state.pending_migrations)}`);
  if (state.new_migrations) log(`database has new migrations available:\n${formatMigrations(state.new_migrations)}\nrun 'kong migrations up' to proceed`);
  else if (!state.pending_migrations) log('database is up-to-date');
  if (state.pending_migrations) throw new Exit(4);
  if (state.new_migrations) throw new Exit(5);
}

/**
 * -- kong/cmd/migrations.lua l.156-175 (3.0.0+): cjson.encode of the state with migration names;
 * printed with print(), so it appears with -q. Key order in Kong is Lua hash order (not
 * deterministic, facts §1.4); we print needs_bootstrap first, then the lists.
 * @param {SchemaState} state
 */
function statusCommand(state) {
  /** @type {Record<string, unknown>} */
  const json = { needs_bootstrap: state.needs_bootstrap };
  for (const key of /** @type {const} */ (['executed_migrations', 'pending_migrations', 'new_migrations'])) {
    const list = state[key];
    if (list) json[key] = list.map((s) => ({ subsystem: s.subsystem, namespace: s.namespace, migrations: s.migrations.map((m) => m.name) }));
  }
  out.stdout(`${JSON.stringify(json)}\n`);
}

/**
 * -- kong/cmd/migrations.lua l.55-76 confirm_prompt: up to 3 tries; y/Y/yes/YES, n/N/no/NO.
 * ≤2.8.x prompt ends "[Y/n] " (facts §1.2).
 * @param {string} q @param {string} v
 */
function confirmPrompt(q, v) {
  const answers = /** @type {Record<string, boolean>} */ ({ y: true, Y: true, yes: true, YES: true, n: false, N: false, no: false, NO: false });
  for (let tries = 3; tries > 0; tries--) {
    out.stdout(`> ${q} ${atLeast(v, '3.0.0') ? '[y/n]' : '[Y/n]'} `);
    const a = readLine();
    if (a !== undefined && a in answers) return answers[a];
  }
  return false;
}

/** Reads one line from stdin synchronously (io.read("*l")). */
function readLine() {
  const buf = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n = 0;
    try { n = readSync(0, buf, 0, 1, null); } catch { return line || undefined; }
    if (n === 0) return line || undefined;
    const ch = buf.toString('utf8');
    if (ch === '\n') return line;
    line += ch;
  }
}

/** @param {string | undefined} confPath @param {string | undefined} prefix */
function loadConfOrThrow(confPath, prefix) {
  try {
    return loadConf(confPath, { prefix, version: version() });
  } catch (error) {
    if (error instanceof ConfError) throw new LuaError(error.message);
    throw error;
  }
}

/**
 * -- kong/cmd/utils/prefix_handler.lua prepare_prefix (2.8.5 l.334-400, 3.4.2 l.439-510): makes the
 * prefix with logs/, pids/, the log files and the default certificates of every listener with
 * `ssl`, saying so under --v. Until 2.8 this runs once, in the command itself. From 3.0 bin/kong
 * runs it first in a resty process of its own (kong/cmd/utils/inject_confs.lua load_conf; not for
 * version, check, health ...) on a conf loaded with pre_cmd, which stops before the listeners
 * (no certificates), at level info whatever --v says; that process's stdout, a pipe, is flushed
 * when it exits after the command, so "prefix directory ... not found" comes last and the command
 * finds the directory made and generates the certificates itself. Observed on Kong 2.8.5 and
 * 3.4.2 built here (test/fixtures/observed/kong-2.8.5-cli.txt, kong-3.4.2-cli.txt). The
 * certificates written here are placeholders: the simulator runs no nginx.
 * @param {import('./conf.mjs').KongConf} conf @param {string} v
 */
function preparePrefix(conf, v) {
  const prefix = conf.prefix;
  if (existsSync(prefix) && !statSync(prefix).isDirectory()) {
    // asserted by spec/02-integration/02-cmd/10-migrations_spec.lua l.163-168
    throw new LuaError(`${prefix} is not a directory`);
  }
  const notFound = `prefix directory ${prefix} not found, trying to create it`;
  if (atLeast(v, '3.0.0') && !existsSync(prefix)) {
    out.atExit.push(`${notFound}\n`);
    makeDirectories(prefix);
  }
  log.verbose(`preparing nginx prefix directory at ${prefix}`);
  if (!existsSync(prefix)) log(notFound);
  makeDirectories(prefix);
  makeCertificates(conf, v);
}

/** @param {string} prefix */
function makeDirectories(prefix) {
  for (const dir of ['logs', 'pids']) mkdirSync(path.join(prefix, dir), { recursive: true });
  for (const file of ['error.log', 'access.log', 'admin_access.log']) {
    const f = path.join(prefix, 'logs', file);
    if (!existsSync(f)) writeFileSync(f, '');
  }
}

/**
 * The default certificates of listeners with `ssl` (proxy, admin, status; admin_gui from 3.4.0),
 * then from 3.0 (lua_ssl_trusted_certificate = system) the combined trusted certificates file.
 * The messages were formatted from 3.3.0; before, log.verbose got pieces without %s and printed
 * only the first.
 * @param {import('./conf.mjs').KongConf} conf @param {string} v
 */
function makeCertificates(conf, v) {
  const prefix = conf.prefix;
  const formatted = atLeast(v, '3.3.0');
  const base = { proxy: 'kong-default', admin: 'admin-kong-default', admin_gui: 'admin-gui-kong-default', status: 'status-kong-default' };
  for (const target of /** @type {const} */ (['proxy', 'admin', 'admin_gui', 'status'])) {
    if (!conf.sslEnabled[target]) continue;
    log.verbose(formatted ? `SSL enabled on ${target}, no custom certificate set: using default certificates` : 'SSL enabled on ');
    mkdirSync(path.join(prefix, 'ssl'), { recursive: true });
    for (const suffix of ['', '-ecdsa']) {
      const cert = path.join(prefix, 'ssl', `${base[target]}${suffix}.crt`);
      const key = path.join(prefix, 'ssl', `${base[target]}${suffix}.key`);
      if (!existsSync(cert) && !existsSync(key)) {
        log.verbose(formatted ? `generating ${target} SSL certificate (${cert}) and key (${key}) for listener` : `generating ${cert} SSL certificate (`);
        writeFileSync(cert, 'kong-sim: placeholder, not a certificate\n');
        writeFileSync(key, 'kong-sim: placeholder, not a key\n', { mode: 0o600 });
      } else {
        log.verbose(`${target} SSL certificate found at ${cert}`);
      }
    }
  }
  if (atLeast(v, '3.0.0')) {
    const combined = path.join(prefix, '.ca_combined');
    log.verbose(formatted ? `generating trusted certs combined file in ${combined}` : 'generating trusted certs combined file in ');
    writeFileSync(combined, '');
  }
}

/** -- kong/cmd/version.lua; Enterprise format UNVERIFIED (facts §6). @param {Record<string, any>} args */
function versionExecute(args) {
  const v = parseVersion(version());
  if (args.all) {
    // ngx_lua / nginx / LuaJIT versions of the 3.9.3 packages: UNVERIFIED placeholders.
    const head = v.enterprise ? `Kong Enterprise: ${v.text}` : `Kong: ${v.text}`;
    out.stdout(`${head}\nngx_lua: 10026\nnginx: 1025003\nLua: LuaJIT 2.1.0-20231117\n`);
  } else {
    out.stdout(`${v.enterprise ? `Kong Enterprise ${v.text}` : v.text}\n`);
  }
}

/**
 * -- kong/cmd/health.lua (2.8.5, 3.4.2): the prefix from -p (or the defaults, log disabled), then
 * the node's own <prefix>/.kong_env loaded as a conf file, where KONG_PREFIX wins over the prefix
 * it records: with -p <running node> and another KONG_PREFIX, Kong looks for the pid there.
 * Observed on Kong 2.8.5 built here ("nginx.......not running" and "Kong is not running at"
 * KONG_PREFIX's directory).
 * @param {Record<string, any>} args
 */
function healthExecute(args) {
  const first = loadConfOrThrow(undefined, args.prefix);
  if (!existsSync(first.prefix)) throw new LuaError(`no such prefix: ${first.prefix}`, `${LUA_ROOT}/kong/cmd/health.lua:15`);
  const kongEnv = path.join(first.prefix, '.kong_env');
  if (!existsSync(kongEnv)) throw new LuaError(`Kong is not running at ${first.prefix}`, `${LUA_ROOT}/kong/cmd/health.lua:17`);
  const conf = loadConfOrThrow(kongEnv, undefined);
  for (const note of conf.notes) log.verbose(note);
  let running = false;
  try {
    const pid = Number(readFileSync(path.join(conf.prefix, 'pids', 'nginx.pid'), 'utf8').trim());
    if (pid > 0) { process.kill(pid, 0); running = true; }
  } catch {
    running = false;
  }
  log(`${'nginx'.padEnd(12, '.')}${running ? 'running' : 'not running'}`);
  log('');
  if (!running) throw new LuaError(`Kong is not running at ${conf.prefix}`, `${LUA_ROOT}/kong/cmd/health.lua:40`);
  log(`Kong is healthy at ${conf.prefix}`);
}

/** -- kong/cmd/check.lua @param {Record<string, any>} _args @param {string[]} positional */
function checkExecute(_args, positional) {
  const confPath = positional[0] ?? '/etc/kong/kong.conf';
  try {
    loadConf(confPath, { version: version() });
  } catch (error) {
    if (error instanceof ConfError) {
      for (const e of error.errors) log.error(e);
      throw new Exit(1); // pl_app.quit(nil, true)
    }
    throw error;
  }
  log(`configuration at ${confPath} is valid`);
}

/**
 * -- kong/cmd/init.lua l.15-43: verbosity, then xpcall(cmd_exec) with the error handler that
 * prints "Error: <msg>" (position stripped) and exits 1.
 * @param {Record<string, any>} args @param {(args: Record<string, any>) => Promise<void> | void} exec
 */
async function runCommand(args, exec) {
  if (args.v) logLevel = LEVELS.verbose;
  else if (args.vv) logLevel = LEVELS.debug;
  log.verbose(`Kong: ${version()}`); // -- kong/cmd/init.lua l.26
  try {
    await exec(args);
  } catch (error) {
    if (error instanceof Exit) throw error;
    const message = errText(error);
    const position = error instanceof LuaError ? error.position : `${LUA_ROOT}/kong/cmd/init.lua:33`;
    if (!(args.v || args.vv)) {
      out.stderr(`Error: ${message}\n`);
      out.stderr('\n  Run with --v (verbose) or --vv (debug) for more details\n');
    } else {
      // debug.traceback(err, 2) (Derived; the frames are not Kong's real ones: UNVERIFIED)
      out.stderr('Error: \n');
      out.stderr(`${position}: ${message}\nstack traceback:\n\t[C]: in function 'error'\n\t${LUA_ROOT}/kong/cmd/init.lua:31: in function <${LUA_ROOT}/kong/cmd/init.lua:31>\n`);
    }
    throw new Exit(1);
  }
}

/** -- bin/kong (3.x) @param {string[]} argv */
async function main(argv) {
  const v = version();
  const cmd = argv[0];
  const rest = argv.slice(1);
  if (cmd === undefined) lappQuit(undefined, kongHelp(v)); // bin/kong l.64-66
  if (!commandList(v).includes(/** @type {string} */ (cmd))) lappQuit(`No such command: ${cmd}`, kongHelp(v)); // l.67-69
  switch (cmd) {
    case 'migrations': {
      const usage = migrationsHelp(v);
      const { args, positional } = lapp(rest, migrationsOptions(v), usage);
      const sub = positional[0];
      const subs = ['bootstrap', 'up', 'finish', 'list', 'reset'];
      if (atLeast(v, '3.0.0')) subs.push('status'); // `status` added in 3.0.0 (facts §1.2)
      if (!sub) lappQuit(undefined, usage); // bin/kong l.82-84: pl_app.quit()
      // bin/kong l.85-86
      if (!subs.includes(/** @type {string} */ (sub))) lappQuit(`No such command for migrations: ${sub}`, usage);
      args.command = sub;
      return runCommand(args, migrationsExecute);
    }
    case 'version': {
      const { args } = lapp(rest, [{ name: 'all', short: 'a', type: 'flag' }], VERSION_HELP);
      return runCommand(args, versionExecute);
    }
    case 'health': {
      const { args } = lapp(rest, [{ name: 'prefix', short: 'p', type: 'string' }], HEALTH_HELP);
      return runCommand(args, healthExecute);
    }
    case 'check': {
      const { args, positional } = lapp(rest, [], CHECK_HELP);
      return runCommand(args, (a) => checkExecute(a, positional));
    }
    default:
      out.stderr(`kong-sim: '${cmd}' is not simulated\n`);
      throw new Exit(1);
  }
}

/** Entry point for bin/kong: runs and exits with Kong's code. @param {string[]} argv */
export async function run(argv) {
  let code = 0;
  try {
    await main(argv);
  } catch (error) {
    if (error instanceof Exit) code = error.code;
    else {
      out.stderr(`kong-sim: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
      code = 70;
    }
  }
  for (const line of out.atExit) out.stdout(line);
  // Let stdout/stderr drain before exiting (pipes are async in Node).
  process.exitCode = code;
}
